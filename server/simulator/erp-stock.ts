// The simulated ERP's stock on hand (库存) per material, in ERP codes and units: what material-overdraw compares
// a requisition against. Figures drop as the ERP hears of issues (the demo flow does not post them back, so
// they only move when a test or the demo sets them); GET /api/v1/stock lists them, /_sim/stock sets one.
import express, { type Request, type Response, type Router } from 'express';
import { BODY_LIMIT, sendError } from './http-util';
import { toPlantIso } from './plant-time';

export interface StockFigure {
  materialCode: string;
  availableQty: number;
  unit: string;
}

/** Enough for a shift of every seeded order; the simulated MES's occasional big requisition asks for more. */
export const DEMO_STOCK: readonly StockFigure[] = [
  { materialCode: 'RM-200101', availableQty: 1200, unit: 'KG' },
  { materialCode: 'RM-200115', availableQty: 400000, unit: 'PCS' },
  { materialCode: 'RM-200130', availableQty: 400000, unit: 'PCS' },
  { materialCode: 'RM-200140', availableQty: 800, unit: 'KG' },
  { materialCode: 'RM-200150', availableQty: 400000, unit: 'PCS' },
  { materialCode: 'PK-300001', availableQty: 600000, unit: 'PCS' },
  { materialCode: 'PK-300010', availableQty: 20000, unit: 'BOX' },
];

export class ErpStock {
  private readonly figures = new Map<string, StockFigure>();

  constructor(private readonly now: () => Date) {
    for (const f of DEMO_STOCK) this.figures.set(f.materialCode, { ...f });
  }

  list(): StockFigure[] {
    return [...this.figures.values()].map((f) => ({ ...f }));
  }

  availableQty(materialCode: string): number | undefined {
    return this.figures.get(materialCode)?.availableQty;
  }

  set(materialCode: unknown, availableQty: unknown): StockFigure {
    const known = typeof materialCode === 'string' ? this.figures.get(materialCode) : undefined;
    if (!known) throw new Error(`materialCode must be one of the ERP's materials (${[...this.figures.keys()].join(', ')}); got ${JSON.stringify(materialCode)}`);
    if (typeof availableQty !== 'number' || !Number.isFinite(availableQty) || availableQty < 0) throw new Error(`availableQty must be a number, 0 or more; got ${JSON.stringify(availableQty)}`);
    known.availableQty = availableQty;
    return { ...known };
  }

  /** Routes under the ERP's /api/v1, behind its auth (`guard` answers and returns false to stop). */
  router(guard: (req: Request, res: Response) => boolean): Router {
    const router = express.Router();
    router.get('/api/v1/stock', (req, res) => {
      if (!guard(req, res)) return;
      res.json({ asOf: toPlantIso(this.now()), items: this.list() });
    });
    router.post('/_sim/stock', express.json({ limit: BODY_LIMIT }), (req, res) => {
      try {
        res.json(this.set(req.body?.materialCode, req.body?.availableQty));
      } catch (err) {
        sendError(res, 400, (err as Error).message);
      }
    });
    return router;
  }
}
