// What the API adds to Fastify's request and instance types.
import type { Principal } from '../auth/roles.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set for every route that has roles. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Drop a device's cached sign-ins at once (call after revoking it). */
    invalidateDevice(site: string, device: string): void;
  }
}
