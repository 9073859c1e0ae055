import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { EnrollResult } from '../reid/enroll.js';
import type { IndividualStore } from '../store/individuals.js';

export interface IndividualRouteDeps {
  individuals: IndividualStore;
  /** Enroll from reference photos (paths of files the route wrote). */
  enroll: (input: { species: string; name: string; files: string[] }) => Promise<EnrollResult>;
  /** Delete the individual and its reference features. */
  remove: (id: string) => void;
  /** Where uploaded reference photos wait while they are enrolled. */
  tmpDir: string;
}

const notFound = (id: string) => ({ error: { code: 'SPOOR_E_NOT_FOUND', message: `individual ${id} not found` } });
const bad = (message: string) => ({ error: { code: 'SPOOR_E_BAD_REQUEST', message } });

/** Known individuals: enroll from photos (multipart: species, name, photos), rename, delete. */
export function registerIndividualRoutes(app: FastifyInstance, deps: IndividualRouteDeps): void {
  app.post('/api/individuals', async (req, reply) => {
    if (!req.isMultipart()) return reply.status(415).send(bad('send species, name and photos as multipart/form-data'));
    const dir = await mkdtemp(join(deps.tmpDir, 'enroll-'));
    try {
      const fields: Record<string, string> = {};
      const files: string[] = [];
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const file = join(dir, `${files.length}-${(part.filename || 'photo').replace(/[^A-Za-z0-9._-]/g, '_')}`);
          await writeFile(file, await part.toBuffer());
          files.push(file);
        } else fields[part.fieldname] = String(part.value).trim();
      }
      const species = fields.species ?? '';
      const name = fields.name ?? '';
      if (!species || !name || name.length > 80) return reply.status(400).send(bad('species and name (up to 80 characters) are required'));
      if (files.length === 0) return reply.status(400).send(bad('add at least one photo'));
      const res = await deps.enroll({ species, name, files });
      return reply.status(201).send({ ...res.individual, used: res.used, rejected: res.rejected });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  app.patch<{ Params: { id: string }; Body: { name?: unknown } }>('/api/individuals/:id', async (req, reply) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim() : '';
    if (!name || name.length > 80) return reply.status(400).send(bad('name: 1 to 80 characters'));
    if (!deps.individuals.get(req.params.id)) return reply.status(404).send(notFound(req.params.id));
    return deps.individuals.rename(req.params.id, name);
  });

  app.delete<{ Params: { id: string } }>('/api/individuals/:id', async (req, reply) => {
    if (!deps.individuals.get(req.params.id)) return reply.status(404).send(notFound(req.params.id));
    deps.remove(req.params.id);
    return { deleted: req.params.id };
  });
}
