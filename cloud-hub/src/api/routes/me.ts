// GET /v1/me: who the token belongs to, so a client (the web pages) can show what the role may do.
// The server still checks every route's roles; this only saves a client from guessing.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import '../request-types.ts';

export function registerMeRoute(app: FastifyInstance): void {
  app.get(
    '/v1/me',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: "The caller's name and role",
        tags: ['system'],
        response: {
          200: {
            type: 'object',
            required: ['name', 'role'],
            properties: { name: { type: 'string' }, role: { type: 'string' } },
          },
        },
      },
    },
    (request) => ({ name: request.principal?.name ?? '', role: request.principal?.role ?? '' }),
  );
}
