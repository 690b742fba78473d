import type { TransportLog } from '../runtime/transport/index.js';
import type { RclLogger } from './rclnodejs-api.js';

/** The runtime's structured log calls on a ROS logger (rosout): the fields follow the message as JSON. */
export function rosTransportLog(logger: RclLogger): TransportLog {
  const line = (fields: object, message: string) => (Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message);
  return {
    debug: (fields, message) => void logger.debug(line(fields, message)),
    info: (fields, message) => void logger.info(line(fields, message)),
    warn: (fields, message) => void logger.warn(line(fields, message)),
    error: (fields, message) => void logger.error(line(fields, message)),
  };
}
