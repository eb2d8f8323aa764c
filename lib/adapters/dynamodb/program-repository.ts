import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Program } from '../../domain/model/program.ts';
import type { ProgramRepository } from '../../ports.ts';
import { stripKeys } from './batch.ts';
import { KEY_ATTRIBUTES, keys } from './table.ts';

/** Demand-response programs. Access pattern: program by id (`PROG#id` / `#PROG`). */
export class DynamoProgramRepository implements ProgramRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(program: Program): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.program(program.programId), type: 'program', ...program },
      }),
    );
  }

  async get(programId: string): Promise<Program | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.program(programId), ConsistentRead: true }),
    );
    return res.Item ? Program.parse(stripKeys(res.Item, KEY_ATTRIBUTES)) : undefined;
  }
}
