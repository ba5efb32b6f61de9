import tarStream from 'tar-stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The hub's upload/download endpoints as the agent sees them: GET serves a
 * stored body, PUT stores one; both demand `Authorization: Bearer <token>`.
 */
export class FilesServer {
  readonly files = new Map<string, Buffer>();
  readonly authSeen: string[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly token: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.authSeen.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== `Bearer ${this.token}`) return void res.writeHead(401).end();
      const path = req.url ?? '/';
      if (req.method === 'GET') {
        const body = this.files.get(path);
        return void (body ? res.writeHead(200).end(body) : res.writeHead(404).end());
      }
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          this.files.set(path, Buffer.concat(chunks));
          res.writeHead(201).end();
        });
        return;
      }
      res.writeHead(405).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** The entry names of a tar. */
export async function tarNames(tar: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next).resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve).on('error', reject);
    extract.end(tar);
  });
  return names;
}
