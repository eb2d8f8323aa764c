/**
 * The allocator: the exact least-cost split of an event's per-interval target over the
 * flexible resources of many buildings. See `docs/allocator.md` for the model and the proof.
 */

/** One flexible resource of a building (a battery, a tank, an appliance group, the DC bus). */
export interface AllocationResource {
  id: string;
  /** Cost of each kWh of response from this resource, ¥. */
  costYuanPerKwh: number;
  /** Upper bound of the response in each interval, kW (length = number of intervals). */
  upperKw: ArrayLike<number>;
  /** Energy budget over the window, kWh of response (`Infinity` when none). */
  budgetKwh: number;
}

export interface AllocationBuilding {
  id: string;
  /** Upper bound of the building's total response in each interval, from its grid limits, kW. */
  limitKw: ArrayLike<number>;
  /** Expected share of a command this building delivers, in (0, 1]; 1 when omitted. */
  derating?: number;
  resources: AllocationResource[];
}

export interface AllocationProblem {
  /** Interval length Δ in hours. */
  intervalHours: number;
  /** Response wanted per interval, kW (already divided by any over-procurement ratio). */
  targetsKw: ArrayLike<number>;
  /** Cost of each kWh of target left unmet, ¥ (the M of the model). */
  shortfallPenaltyYuanPerKwh: number;
  buildings: AllocationBuilding[];
}

export interface Allocation {
  /** Σ c·x·Δ + M·Σ s·Δ, ¥. */
  costYuan: number;
  assetCostYuan: number;
  shortfallCostYuan: number;
  /** Unmet target per interval, kW. */
  shortfallKw: Float64Array;
  /** Expected response per interval, kW: Σ derating·x. */
  expectedKw: Float64Array;
  /**
   * Commanded response of every resource in every interval, kW:
   * resource `r` of building `b` in interval `t` is `kw[(resourceOffset[b] + r) * T + t]`.
   */
  kw: Float64Array;
  /** Start of each building's resources in `kw` (length = buildings + 1). */
  resourceOffset: Int32Array;
  /** Number of intervals T. */
  intervals: number;
  /** Work done, for benchmarks: augmenting-path searches, the failed ones, and nodes they visited. */
  stats: { searches: number; failedSearches: number; nodesVisited: number };
}

/** Residuals below this many kW are treated as zero. */
const EPS = 1e-9;

/**
 * Solves the allocation LP exactly.
 *
 * The LP is a min-cost flow: source → resource (its energy budget) → building-interval (the
 * resource's bound) → interval (the building's grid limit) → sink (the target). Costs sit only on
 * the source arcs, so the supply vectors the network can carry form a polymatroid and Edmonds'
 * greedy is optimal: take resources cheapest first (cost per kWh of expected response, c/ρ) and
 * push from each the most flow the residual network allows, rerouting earlier resources between
 * intervals along augmenting paths (free, since a resource costs the same in every interval).
 * Resources that cost at least the shortfall penalty are never worth using. Nodes that once fail to
 * reach the sink never can again, so failed searches are never repeated. Ties are broken by input
 * order, so the same input always gives the same answer.
 */
export function allocate(problem: AllocationProblem): Allocation {
  const solver = new FlowSolver(problem);
  solver.run();
  return solver.result();
}

class FlowSolver {
  private readonly T: number;
  private readonly nB: number;
  private readonly nR: number;
  private readonly dt: number;
  private readonly penalty: number;
  private readonly resourceOffset: Int32Array;
  private readonly resBuilding: Int32Array;
  private readonly rho: Float64Array;
  /** Effective cost per kWh of expected response. */
  private readonly cost: Float64Array;
  /** Capacity and flow of arc resource → building-interval, in expected kW. */
  private readonly cap: Float64Array;
  private readonly flow: Float64Array;
  /** Remaining budget of each resource, in expected kW × intervals. */
  private readonly budget: Float64Array;
  /** Remaining grid-limit headroom of each building-interval, expected kW. */
  private readonly headroom: Float64Array;
  /** Flow through each building-interval, expected kW. */
  private readonly through: Float64Array;
  private readonly demand: Float64Array;
  private demandLeft = 0;

  /** Per interval: the building-intervals carrying flow into it (lazily pruned). */
  private readonly servers: Int32Array[];
  private readonly serverCount: Int32Array;
  private readonly serverCursor: Int32Array;
  private readonly isServer: Uint8Array;

  /** Nodes that cannot reach the sink; once dead, dead for good. */
  private readonly deadR: Uint8Array;
  private readonly deadBT: Uint8Array;
  private readonly deadI: Uint8Array;
  private readonly seenR: Int32Array;
  private readonly seenBT: Int32Array;
  private readonly seenI: Int32Array;
  private stamp = 0;
  private fills = 0;
  private readonly fillOrder: number[];
  private readonly stats = { searches: 0, failedSearches: 0, nodesVisited: 0 };
  /** Search parents: of a resource, its building-interval; of a building-interval, a resource (≥ 0) or an interval −(t+1); of an interval, its building-interval. */
  private readonly parentR: Int32Array;
  private readonly parentBT: Int32Array;
  private readonly parentI: Int32Array;
  private readonly localQueue: Int32Array;
  private readonly intervalQueue: Int32Array;
  private intervalHead = 0;
  private intervalTail = 0;
  private visitedR: number[] = [];
  private visitedBT: number[] = [];
  private visitedI: number[] = [];

  constructor(p: AllocationProblem) {
    const T = p.targetsKw.length;
    const nB = p.buildings.length;
    this.T = T;
    this.nB = nB;
    this.dt = p.intervalHours;
    this.penalty = p.shortfallPenaltyYuanPerKwh;
    if (!(this.dt > 0)) throw new RangeError('intervalHours must be positive');

    const offset = new Int32Array(nB + 1);
    for (let b = 0; b < nB; b++)
      offset[b + 1] = (offset[b] as number) + (p.buildings[b]?.resources.length ?? 0);
    const nR = offset[nB] as number;
    this.nR = nR;
    this.resourceOffset = offset;
    this.resBuilding = new Int32Array(nR);
    this.rho = new Float64Array(nB);
    this.cost = new Float64Array(nR);
    this.cap = new Float64Array(nR * T);
    this.flow = new Float64Array(nR * T);
    this.budget = new Float64Array(nR);
    this.headroom = new Float64Array(nB * T);
    this.through = new Float64Array(nB * T);
    this.demand = new Float64Array(T);

    for (let t = 0; t < T; t++) {
      const target = Math.max(0, p.targetsKw[t] as number);
      this.demand[t] = target;
      this.demandLeft += target;
    }
    for (let b = 0; b < nB; b++) {
      const building = p.buildings[b] as AllocationBuilding;
      const rho = building.derating ?? 1;
      if (!(rho > 0 && rho <= 1)) throw new RangeError(`building ${building.id}: derating must be in (0, 1]`);
      this.rho[b] = rho;
      for (let t = 0; t < T; t++) this.headroom[b * T + t] = Math.max(0, building.limitKw[t] as number) * rho;
      const base = offset[b] as number;
      building.resources.forEach((res, i) => {
        const r = base + i;
        this.resBuilding[r] = b;
        this.cost[r] = res.costYuanPerKwh / rho;
        this.budget[r] = (Math.max(0, res.budgetKwh) * rho) / this.dt;
        for (let t = 0; t < T; t++) this.cap[r * T + t] = Math.max(0, res.upperKw[t] as number) * rho;
      });
    }

    this.servers = Array.from({ length: T }, () => new Int32Array(16));
    this.serverCount = new Int32Array(T);
    this.serverCursor = new Int32Array(T);
    this.isServer = new Uint8Array(nB * T);
    this.deadR = new Uint8Array(nR);
    this.deadBT = new Uint8Array(nB * T);
    this.deadI = new Uint8Array(T);
    this.seenR = new Int32Array(nR);
    this.seenBT = new Int32Array(nB * T);
    this.seenI = new Int32Array(T);
    this.parentR = new Int32Array(nR);
    this.parentBT = new Int32Array(nB * T);
    this.parentI = new Int32Array(T);
    this.localQueue = new Int32Array(nR + nB * T);
    this.intervalQueue = new Int32Array(T);
    this.fillOrder = Array.from({ length: T }, (_, t) => t);
  }

  run(): void {
    for (const r of this.meritOrder()) {
      if (this.demandLeft <= EPS) break;
      this.fillDirectly(r);
      while ((this.budget[r] as number) > EPS && this.demandLeft > EPS && !this.deadR[r]) {
        const end = this.searchPath(r);
        this.stats.searches++;
        this.stats.nodesVisited += this.visitedR.length + this.visitedBT.length + this.visitedI.length;
        if (end < 0) {
          this.stats.failedSearches++;
          this.markVisitedDead();
          break;
        }
        this.augment(r, end);
      }
    }
  }

  /** Resources worth using, cheapest first; ties by input order. */
  private meritOrder(): Int32Array {
    const order: number[] = [];
    for (let r = 0; r < this.nR; r++)
      if ((this.cost[r] as number) < this.penalty && (this.budget[r] as number) > EPS) order.push(r);
    const cost = this.cost;
    order.sort((a, b) => (cost[a] as number) - (cost[b] as number) || a - b);
    return Int32Array.from(order);
  }

  /** Pushes a resource's flow straight into intervals that still want it, most wanted first. */
  private fillDirectly(r: number): void {
    const T = this.T;
    const b = this.resBuilding[r] as number;
    let budget = this.budget[r] as number;
    // Most wanted intervals first (the order is refreshed now and then, not per resource): spreading
    // budgets over the intervals that need them leaves fewer paths to reroute later.
    if (this.fills++ % 64 === 0) {
      const demand = this.demand;
      this.fillOrder.sort((x, y) => (demand[y] as number) - (demand[x] as number) || x - y);
    }
    for (let k = 0; k < T && budget > EPS; k++) {
      const t = this.fillOrder[k] as number;
      const want = this.demand[t] as number;
      if (want <= EPS) continue;
      const bt = b * T + t;
      const rt = r * T + t;
      const amount = Math.min(
        want,
        budget,
        (this.cap[rt] as number) - (this.flow[rt] as number),
        this.headroom[bt] as number,
      );
      if (amount <= EPS) continue;
      this.flow[rt] = (this.flow[rt] as number) + amount;
      this.addThrough(bt, t, amount);
      this.demand[t] = want - amount;
      this.demandLeft -= amount;
      budget -= amount;
    }
    this.budget[r] = budget;
  }

  private addThrough(bt: number, t: number, amount: number): void {
    this.headroom[bt] = (this.headroom[bt] as number) - amount;
    this.through[bt] = (this.through[bt] as number) + amount;
    if (!this.isServer[bt]) {
      this.isServer[bt] = 1;
      let list = this.servers[t] as Int32Array;
      const n = this.serverCount[t] as number;
      if (n === list.length) {
        const grown = new Int32Array(n * 2);
        grown.set(list);
        list = grown;
        this.servers[t] = grown;
      }
      list[n] = bt;
      this.serverCount[t] = n + 1;
    }
  }

  /**
   * Searches the residual network from resource `r0` for a path to an interval with unmet
   * target. The nodes of one building are explored before moving on to another building that
   * feeds a saturated interval, so a path usually turns up after scanning a few of them.
   * Returns the interval where the path ends, or −1 when there is none.
   */
  private searchPath(r0: number): number {
    const stamp = ++this.stamp;
    this.visitedR.length = 0;
    this.visitedBT.length = 0;
    this.visitedI.length = 0;
    this.intervalHead = 0;
    this.intervalTail = 0;
    this.seenR[r0] = stamp;
    this.parentR[r0] = -1;
    this.visitedR.push(r0);
    this.localQueue[0] = r0;
    let found = this.drainLocal(stamp);
    while (found < 0 && this.intervalHead < this.intervalTail) {
      found = this.searchBackFrom(this.intervalQueue[this.intervalHead++] as number, stamp);
    }
    return found;
  }

  /**
   * Tries, one feeding building-interval at a time, to reroute flow that enters saturated interval
   * `t`. Returns the interval where a path ends, or −1 when none of them leads to one.
   *
   * Every entry of `servers[t]` that still feeds `t` must be tried: a search that skips one can
   * report failure wrongly, and the nodes it visited would then be marked dead for good. The scan
   * starts at the cursor (where the last path through `t` was found) and runs in two passes, first
   * over `[cursor, n)`, then over `[0, cursor)`. An entry that no longer feeds `t` is dropped by
   * moving into its place an entry the scan has not reached yet: in the first pass the list's last
   * one; in the second, whose entries after it were all scanned in the first pass, the second
   * pass's own last one, whose place then takes the list's last.
   */
  private searchBackFrom(t: number, stamp: number): number {
    const list = this.servers[t] as Int32Array;
    let n = this.serverCount[t] as number;
    if (n === 0) return -1;
    const cursor = (this.serverCursor[t] as number) % n;
    let k = cursor;
    /** Where the current pass stops. */
    let end = n;
    let secondPass = false;
    let found = -1;
    for (;;) {
      if (k >= end) {
        if (secondPass || cursor === 0) break;
        secondPass = true;
        k = 0;
        end = cursor;
        continue;
      }
      const bt = list[k] as number;
      if ((this.through[bt] as number) <= EPS) {
        this.isServer[bt] = 0;
        n--;
        if (secondPass) {
          end--;
          list[k] = list[end] as number;
          list[end] = list[n] as number;
        } else {
          list[k] = list[n] as number;
          end = n;
        }
        continue;
      }
      if (this.seenBT[bt] !== stamp && !this.deadBT[bt]) {
        this.seenBT[bt] = stamp;
        this.visitedBT.push(bt);
        this.parentBT[bt] = -(t + 1);
        this.localQueue[0] = this.nR + bt;
        found = this.drainLocal(stamp);
        if (found >= 0) {
          this.serverCursor[t] = k;
          break;
        }
      }
      k++;
    }
    this.serverCount[t] = n;
    return found;
  }

  /**
   * Breadth-first over the nodes of one building, from the node in `localQueue[0]` (a resource r
   * as r, a building-interval bt as nR + bt). Intervals reached are queued for `searchBackFrom`.
   * Returns an interval with unmet target as soon as one is reached, or −1.
   */
  private drainLocal(stamp: number): number {
    const T = this.T;
    const nR = this.nR;
    const queue = this.localQueue;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const node = queue[head++] as number;
      if (node < nR) {
        const r = node;
        const b = this.resBuilding[r] as number;
        for (let t = 0; t < T; t++) {
          const rt = r * T + t;
          if ((this.cap[rt] as number) - (this.flow[rt] as number) <= EPS) continue;
          const bt = b * T + t;
          if (this.seenBT[bt] === stamp || this.deadBT[bt]) continue;
          this.seenBT[bt] = stamp;
          this.visitedBT.push(bt);
          this.parentBT[bt] = r;
          queue[tail++] = nR + bt;
        }
      } else {
        const bt = node - nR;
        const t = bt % T;
        const b = (bt - t) / T;
        if ((this.headroom[bt] as number) > EPS && this.seenI[t] !== stamp && !this.deadI[t]) {
          this.seenI[t] = stamp;
          this.visitedI.push(t);
          this.parentI[t] = bt;
          if ((this.demand[t] as number) > EPS) return t;
          this.intervalQueue[this.intervalTail++] = t;
        }
        const first = this.resourceOffset[b] as number;
        const last = this.resourceOffset[b + 1] as number;
        for (let r = first; r < last; r++) {
          if (this.seenR[r] === stamp || this.deadR[r] || (this.flow[r * T + t] as number) <= EPS) continue;
          this.seenR[r] = stamp;
          this.visitedR.push(r);
          this.parentR[r] = bt;
          queue[tail++] = r;
        }
      }
    }
    return -1;
  }

  /** Everything a failed search reached cannot reach the sink, now or later. */
  private markVisitedDead(): void {
    for (const r of this.visitedR) this.deadR[r] = 1;
    for (const bt of this.visitedBT) this.deadBT[bt] = 1;
    for (const t of this.visitedI) this.deadI[t] = 1;
  }

  /** Pushes the bottleneck amount along the path found from `r0` to interval `end`. */
  private augment(r0: number, end: number): void {
    const amount = this.walkPath(end, Math.min(this.budget[r0] as number, this.demand[end] as number), false);
    this.walkPath(end, amount, true);
    this.demand[end] = (this.demand[end] as number) - amount;
    this.demandLeft -= amount;
    this.budget[r0] = (this.budget[r0] as number) - amount;
  }

  /**
   * Walks the search parents back from interval `end` to the source. Without `apply`, returns the
   * smallest residual on the way (starting from `limit`); with it, pushes `limit` along the path.
   */
  private walkPath(end: number, limit: number, apply: boolean): number {
    const T = this.T;
    let amount = limit;
    let t = end;
    for (;;) {
      // interval t ← building-interval bt, forward arc
      const bt = this.parentI[t] as number;
      if (apply) this.addThrough(bt, t, amount);
      else amount = Math.min(amount, this.headroom[bt] as number);
      let node = bt;
      for (;;) {
        const p = this.parentBT[node] as number;
        if (p < 0) {
          // node was entered backwards from interval −p−1 (its own interval): it feeds that interval less.
          t = -p - 1;
          if (apply) {
            this.headroom[node] = (this.headroom[node] as number) + amount;
            this.through[node] = (this.through[node] as number) - amount;
          } else amount = Math.min(amount, this.through[node] as number);
          break;
        }
        // node ← resource p, forward arc: p serves node's interval more.
        const rt = p * T + (node % T);
        if (apply) this.flow[rt] = (this.flow[rt] as number) + amount;
        else amount = Math.min(amount, (this.cap[rt] as number) - (this.flow[rt] as number));
        const q = this.parentR[p] as number;
        if (q < 0) return amount;
        // resource p ← building-interval q, backward arc: p serves q's interval less.
        const qt = p * T + (q % T);
        if (apply) this.flow[qt] = (this.flow[qt] as number) - amount;
        else amount = Math.min(amount, this.flow[qt] as number);
        node = q;
      }
    }
  }

  result(): Allocation {
    const { T, nB, dt } = this;
    const kw = new Float64Array(this.nR * T);
    let assetCost = 0;
    for (let b = 0; b < nB; b++) {
      const rho = this.rho[b] as number;
      for (let r = this.resourceOffset[b] as number; r < (this.resourceOffset[b + 1] as number); r++) {
        let energy = 0;
        for (let t = 0; t < T; t++) {
          const x = (this.flow[r * T + t] as number) / rho;
          kw[r * T + t] = x;
          energy += x;
        }
        // cost is stored per expected kWh (c/ρ); per commanded kWh it is c.
        assetCost += (this.cost[r] as number) * rho * energy * dt;
      }
    }
    const shortfallKw = new Float64Array(T);
    const expectedKw = new Float64Array(T);
    let shortfall = 0;
    for (let t = 0; t < T; t++) {
      const s = Math.max(0, this.demand[t] as number);
      shortfallKw[t] = s;
      shortfall += s;
    }
    for (let bt = 0; bt < nB * T; bt++)
      expectedKw[bt % T] = (expectedKw[bt % T] as number) + (this.through[bt] as number);
    const shortfallCost = shortfall * this.penalty * dt;
    return {
      costYuan: assetCost + shortfallCost,
      assetCostYuan: assetCost,
      shortfallCostYuan: shortfallCost,
      shortfallKw,
      expectedKw,
      kw,
      resourceOffset: this.resourceOffset,
      intervals: T,
      stats: { ...this.stats },
    };
  }
}
