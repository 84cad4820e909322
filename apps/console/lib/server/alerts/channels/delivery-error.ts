// A receiver that did not take a notification: why, and its HTTP status or SMTP code if it answered.
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null = null,
  ) {
    super(message);
  }
}
