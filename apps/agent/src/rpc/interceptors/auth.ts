import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** Every RPC needs the agent's bearer token; the error is the same whether it is missing or wrong. */
export function authInterceptor(isAuthorized: (authorization: string | null) => boolean): Interceptor {
  return (next) => async (req) => {
    if (!isAuthorized(req.header.get("authorization"))) {
      throw new ConnectError("missing or wrong bearer token (see the agent.token file in the agent's data dir)", Code.Unauthenticated);
    }
    return next(req);
  };
}
