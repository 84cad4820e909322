// Every AgentService method, gathered from the handler files by area. Methods a
// handler file does not implement answer Unimplemented (connect-es does that for us).
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { AgentService } from "@sysward/proto";

export type AgentServiceImpl = ServiceImpl<typeof AgentService>;

export function createRoutes(...handlerSets: Array<Partial<AgentServiceImpl>>): (router: ConnectRouter) => void {
  const impl: Partial<AgentServiceImpl> = Object.assign({}, ...handlerSets);
  return (router) => {
    router.service(AgentService, impl);
  };
}
