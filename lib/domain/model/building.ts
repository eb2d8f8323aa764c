import * as z from 'zod';
import { Asset } from './asset.ts';
import { Id, Kw } from './common.ts';

/** A park (园区): the unit a park manager is bound to. */
export const Park = z.strictObject({
  parkId: Id,
  name: z.string().min(1).max(200),
  /** Grid zone, for example `mengxi` (蒙西, Inner Mongolia Power) or `mengdong` (蒙东, State Grid). */
  zone: Id,
  city: z.string().min(1).max(100),
});
export type Park = z.infer<typeof Park>;

/** Grid connection limits of a building, in kW at the meter. */
export const GridLimits = z.strictObject({
  importKw: Kw,
  exportKw: Kw,
});

/** A building enrolled in a park, with its 光储直柔 assets and heat storage. */
export const Building = z
  .strictObject({
    buildingId: Id,
    parkId: Id,
    name: z.string().min(1).max(200),
    zone: Id,
    feederId: Id,
    /** Which BMS integration receives this building's commands. */
    bmsIntegrationId: Id,
    gridLimits: GridLimits,
    assets: z.array(Asset).max(64),
    /** Expected share of a command this building delivers, learned from past events (1 = fully reliable). */
    reliability: z.number().gt(0).max(1).default(1),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.assets.forEach((a, i) => {
      if (seen.has(a.id))
        ctx.addIssue({ code: 'custom', message: `duplicate asset id '${a.id}'`, path: ['assets', i, 'id'] });
      seen.add(a.id);
    });
  });
export type Building = z.infer<typeof Building>;
export type BuildingInput = z.input<typeof Building>;
