/**
 * An MQTT broker inside this process (aedes), listening on 127.0.0.1 only, so that the MQTT
 * transport runs with nothing installed. Retained messages live in memory and die with it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError } from 'aedes';

export interface EmbeddedBrokerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** When set, clients must present these credentials. */
  readonly username?: string;
  readonly password?: string;
  /** PEM files: serve mqtts:// instead of mqtt://. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>` or `mqtts://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Disconnects every client and frees the port. */
  close(): Promise<void>;
}

const BAD_USERNAME_OR_PASSWORD = 4;

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const { username, password } = options;
  const broker = await Aedes.createBroker({
    ...(username === undefined && password === undefined
      ? {}
      : {
          authenticate: (_client, user, pass, done) => {
            if (user === username && (pass?.toString() ?? undefined) === password) return done(null, true);
            const e = Object.assign(new Error('bad username or password'), { returnCode: BAD_USERNAME_OR_PASSWORD }) as AuthenticateError;
            done(e, false);
          },
        }),
  });
  const sockets = new Set<Socket>();
  const accept = (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  };
  const server: Server = options.tls === undefined ? createServer(accept) : createTlsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, accept);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw e;
  }
  const port = (server.address() as { port: number }).port;
  let closed: Promise<void> | null = null;
  return {
    url: `${options.tls === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${port}`,
    port,
    close: () =>
      (closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
      })()),
  };
}
