import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Runtime } from '../runtime.ts';
import { renderText } from './render-text.ts';

type WithRuntime = (work: (runtime: Runtime) => Promise<number>) => Promise<number>;

const Format = z.enum(['png', 'mermaid']);

/**
 * `cloud-companion diagram <resource|account|all> --org <id>`: the same diagram `/cloud diagram`
 * posts, as a PNG file (`--out`, default the diagram's own file name) or Mermaid text on stdout.
 */
export function registerDiagramCommand(program: Command, withRuntime: WithRuntime, setExitCode: (code: number) => void): void {
  program.command('diagram')
    .description('Draw a dependency diagram of a resource, an account or "all": PNG to a file, or Mermaid text to stdout.')
    .requiredOption('--org <id>', 'organization id from tenants.yaml')
    .option('--channel <id>', 'channel whose policy (accounts) applies', 'cli')
    .option('--user <id>', 'user id whose role applies', 'cli-user')
    .option('--format <format>', 'png or mermaid', 'png')
    .option('--out <file>', 'where to write the PNG (default: <name>-diagram.png in the current folder)')
    .argument('<target...>', 'a resource name or id, an account id, or "all"')
    .action(async (words: string[], opts: { org: string; channel: string; user: string; format: string; out?: string }) => {
      const format = Format.safeParse(opts.format.toLowerCase());
      if (!format.success) {
        process.stderr.write(`--format "${opts.format}" is not one of: png, mermaid.\n`);
        setExitCode(2);
        return;
      }
      setExitCode(await withRuntime(async (runtime) => {
        const context = await runtime.companion.contextForOrganization(opts.org, { platform: 'cli', source: 'cli', channelId: opts.channel, userId: opts.user });
        if (!context) {
          process.stderr.write(`Unknown organization "${opts.org}". Known: ${(await runtime.stores.tenants.listOrganizations()).map((o) => o.id).join(', ')}.\n`);
          return 2;
        }
        const reply = await runtime.companion.handle({ context, intent: { kind: 'diagram', target: words.join(' '), format: format.data } });
        const part = reply.parts.find((p) => p.kind === 'diagram');
        if (part?.kind !== 'diagram') {
          process.stderr.write(`${renderText(reply)}\n`);
          return 1;
        }
        if (format.data === 'mermaid') {
          process.stdout.write(part.mermaid);
          return 0;
        }
        if (!part.image) {
          process.stderr.write(`${renderText(reply)}\n`);
          return 1;
        }
        const file = opts.out ?? part.image.fileName;
        await writeFile(file, part.image.png);
        process.stdout.write(`Wrote ${file} (${part.image.width}×${part.image.height} px, ${part.image.png.length} bytes).\n${part.alt}\n`);
        return 0;
      }));
    });
}
