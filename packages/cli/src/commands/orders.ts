import { readFile } from 'node:fs/promises';
import type { CreateOrderInput, Order, OrderListQuery } from '@hearth/client';
import { type Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import { type CliIo, UsageError } from '../io.js';
import type { Column } from '../output.js';

const columns: Column<Order>[] = [
  { header: 'id', value: (o) => o.id },
  { header: 'reference', value: (o) => o.reference },
  { header: 'status', value: (o) => o.status },
  { header: 'postcode', value: (o) => o.property?.postcode },
  { header: 'home', value: (o) => o.homeId },
  { header: 'created', value: (o) => o.createdAt },
];

/**
 * An order document (or, by `what`, another one) from a file (`-` for stdin): YAML or JSON, told by
 * the extension, else by the first character. JSON is YAML too, but a JSON file gets JSON's stricter
 * errors.
 */
export async function readDocument(file: string, io: CliIo, what = 'order'): Promise<unknown> {
  let text: string;
  try {
    if (file === '-') {
      text = '';
      for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    } else {
      text = await readFile(file, 'utf8');
    }
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const json = /\.json$/i.test(file) || (!/\.ya?ml$/i.test(file) && /^\s*[{[]/.test(text));
  try {
    const value: unknown = json ? JSON.parse(text) : parseYaml(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`it must hold one object (${what === 'order' ? 'an order' : `a ${what}`})`);
    }
    return value;
  } catch (err) {
    throw new UsageError(
      `${file} is not a valid ${json ? 'JSON' : 'YAML'} ${what}: ${(err as Error).message}`,
    );
  }
}

/** `hearth orders …`: New Installation orders; submitting one creates the home. */
export function registerOrders(program: Command, act: Act): void {
  const orders = program.command('orders').description('orders: New Installation orders that create homes');

  orders
    .command('create')
    .description('create a draft order from a JSON or YAML file (- for stdin)')
    .requiredOption('-f, --file <path>', 'the order: .json, .yaml or .yml')
    .option('--submit', 'submit it at once')
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ file: string; submit?: boolean }>(command);
        const input = (await readDocument(o.file, ctx.io)) as CreateOrderInput;
        const client = await ctx.client();
        const created = await client.orders.create(input);
        if (!o.submit) {
          ctx.out.record(created, columns);
          return;
        }
        const submitted = await client.orders.submit(created.id);
        if (ctx.out.json) ctx.out.writeJson(submitted);
        else ctx.out.say(`Order ${created.reference} (${created.id}) submitted: home ${submitted.homeId}.`);
      }),
    );

  orders
    .command('list')
    .description('list orders, every page (or the first --limit)')
    .addOption(
      new Option('--status <status>', 'only this status').choices(['draft', 'provisioned', 'cancelled']),
    )
    .option('-q, --search <text>', 'reference or postcode')
    .option('--limit <n>', 'show at most n orders', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ status?: OrderListQuery['status']; search?: string; limit?: number }>(command);
        const list = (await ctx.client()).orders.list({
          ...(o.status ? { status: o.status } : {}),
          ...(o.search ? { q: o.search } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), columns, 'No orders.');
      }),
    );

  orders
    .command('get')
    .description('show one order (its whole document with --json)')
    .argument('<id>', 'order id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).orders.get(String(id)), columns);
      }),
    );

  orders
    .command('update')
    .description('replace a draft order with a JSON or YAML file')
    .argument('<id>', 'order id')
    .requiredOption('-f, --file <path>', 'the order: .json, .yaml or .yml (- for stdin)')
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ file: string }>(command);
        const input = (await readDocument(o.file, ctx.io)) as CreateOrderInput;
        ctx.out.record(await (await ctx.client()).orders.update(String(id), input), columns);
      }),
    );

  orders
    .command('submit')
    .description('submit an order: creates its home, meters and provisioning (422 lists every problem)')
    .argument('<id>', 'order id')
    .action(
      act(async (ctx, _command, id) => {
        const submitted = await (await ctx.client()).orders.submit(String(id));
        if (ctx.out.json) ctx.out.writeJson(submitted);
        else ctx.out.say(`Order ${submitted.order.reference} submitted: home ${submitted.homeId}.`);
      }),
    );

  orders
    .command('cancel')
    .description('cancel a draft order (its reference is free again)')
    .argument('<id>', 'order id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).orders.cancel(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, cancelled: true });
        else ctx.out.say(`Cancelled order ${id}.`);
      }),
    );
}
