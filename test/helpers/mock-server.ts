import { startServer, type RunningServer, type ServeOptions } from '../../server';

/** Starts the real mock on an ephemeral loopback port. */
export function startMock(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', profiles: ['instant'], defaultMetrics: false, ...options });
}
