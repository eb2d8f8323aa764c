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
  /**
   * Most response energy in intervals 0..t together, for each t (length = number of intervals),
   * kWh commanded: `Σ_{k≤t} x_k·Δ ≤ prefixKwh[t]`. From a battery's state of charge or a tank's heat
   * interval by interval. Absent when only `budgetKwh` limits the energy; `Infinity` where no cap.
   */
  prefixKwh?: ArrayLike<number>;
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
  /**
   * Work done, for benchmarks: augmenting-path searches, the failed ones, the nodes they visited, and
   * how many resources had a prefix cap below their window total (a chain, see `prefixKwh`).
   */
  stats: { searches: number; failedSearches: number; nodesVisited: number; chainedResources: number };
}

/** Residuals below this many kW are treated as zero. */
const EPS = 1e-9;

/**
 * A prefix cap this close below the window total (relative) is taken as equal to it: the resource
 * keeps its single node, and its caps are kept to within this share, far below any check's slack.
 */
const CHAIN_TOLERANCE = 1e-12;

/**
 * Solves the allocation LP exactly.
 *
 * The LP is a min-cost flow: source → resource (its energy budget) → building-interval (the
 * resource's bound) → interval (the building's grid limit) → sink (the target). A resource with
 * prefix caps below its window total is a chain of nodes instead, one per interval, whose arcs carry
 * the energy given so far. Costs sit only on the source arcs, so the supply vectors the network can
 * carry form a polymatroid and Edmonds' greedy is optimal: take resources cheapest first (cost per
 * kWh of expected response, c/ρ) and push from each the most flow the residual network allows,
 * rerouting earlier resources between intervals along augmenting paths (free, since a resource costs
 * the same in every interval). Resources that cost at least the shortfall penalty are never worth
 * using. Nodes that once fail to reach the sink never can again, so failed searches are never
 * repeated. Ties are broken by input order, so the same input always gives the same answer.
 */
export function allocate(problem: AllocationProblem): Allocation {
  const solver = new FlowSolver(problem);
  solver.run();
  return solver.result();
}

/**
 * The min-cost flow and its greedy augmentation; `docs/allocator.md` has the network and the proof.
 *
 * Chains. A resource whose normalised prefix caps `B_t` (kWh, then expected units like its budget)
 * stay at its window total `B_{T−1}` is one node, as without caps. Otherwise it is chain
 * u_0..u_{T−1}: source → u_{T−1} (capacity `B_{T−1}`, the remaining `budget`), u_t → u_{t−1}
 * (capacity `B_{t−1}`), u_t → building-interval (b,t) (the resource's bound). The flow into u_t is the
 * energy given in intervals 0..t, `P_t`, and only `slack_s = B_s − P_s` for s < T−1 is kept, in
 * `chainSlack` (slack_{T−1} is `budget`). Entering a chain at u_e through the backward arc of
 * x_{r,e} (flow > 0), a path goes up to any later node for free (the arc u_{s+1} → u_s carries
 * P_s ≥ x_e) and down while the slack is positive; from the source (entry "e = T") only down. So a
 * search reaches a suffix of each chain and keeps one number per resource, the lowest reached
 * index; a failed search marks that suffix dead (`deadLow`). A single node is a chain whose every
 * node is reached at once.
 */
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
  /** Remaining budget of each resource (slack of its source arc), in expected kW × intervals. */
  private readonly budget: Float64Array;
  /** Per resource: its chain's index, −1 when it is a single node. */
  private readonly chainOf: Int32Array;
  /**
   * Chain c's slack `B_s − P_s` at `c·T + s` for s < T−1, in expected kW × intervals (slot T−1 is
   * unused: that slack is `budget`).
   */
  private readonly chainSlack: Float64Array;
  private readonly chainedResources: number;
  /** Amounts a chain's direct fill pushes, per interval. */
  private readonly fillScratch: Float64Array;
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

  /**
   * Nodes that cannot reach the sink; once dead, dead for good. Of a resource, its chain nodes from
   * `deadLow` on (T: none; a single node is dead at 0).
   */
  private readonly deadLow: Int32Array;
  private readonly deadBT: Uint8Array;
  private readonly deadI: Uint8Array;
  private readonly seenR: Int32Array;
  /** Lowest chain node a search reached (valid where `seenR` holds the search's stamp). */
  private readonly lowR: Int32Array;
  private readonly seenBT: Int32Array;
  private readonly seenI: Int32Array;
  private stamp = 0;
  private fills = 0;
  private readonly fillOrder: number[];
  private readonly stats = { searches: 0, failedSearches: 0, nodesVisited: 0 };
  /**
   * Search parents. Of a building-interval: the resource (≥ 0) whose forward arc reached it, or an
   * interval −(t+1) whose backward arc did; of an interval, its building-interval.
   */
  private readonly parentBT: Int32Array;
  /**
   * Of a building-interval reached from resource r: where the path entered r's chain, e in 0..T.
   * e < T: from building-interval (b_r, e) through the backward arc of x_{r,e}; e = T: from the source.
   */
  private readonly entryBT: Int32Array;
  private readonly parentI: Int32Array;
  private readonly localQueue: Int32Array;
  private localTail = 0;
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
    this.chainOf = new Int32Array(nR).fill(-1);
    this.headroom = new Float64Array(nB * T);
    this.through = new Float64Array(nB * T);
    this.demand = new Float64Array(T);

    for (let t = 0; t < T; t++) {
      const target = Math.max(0, p.targetsKw[t] as number);
      this.demand[t] = target;
      this.demandLeft += target;
    }
    const caps = new Float64Array(T);
    const slacks: number[] = [];
    let chains = 0;
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
        let budgetKwh = Math.max(0, res.budgetKwh);
        if (res.prefixKwh !== undefined && T > 0) {
          if (normalisePrefixCaps(res.prefixKwh, budgetKwh, caps, `${building.id}/${res.id}`)) {
            this.chainOf[r] = chains++;
            for (let s = 0; s < T; s++) slacks.push(((caps[s] as number) * rho) / this.dt);
          }
          budgetKwh = caps[T - 1] as number;
        }
        this.budget[r] = (budgetKwh * rho) / this.dt;
        for (let t = 0; t < T; t++) this.cap[r * T + t] = Math.max(0, res.upperKw[t] as number) * rho;
      });
    }
    this.chainSlack = Float64Array.from(slacks);
    this.chainedResources = chains;
    this.fillScratch = new Float64Array(T);

    this.servers = Array.from({ length: T }, () => new Int32Array(16));
    this.serverCount = new Int32Array(T);
    this.serverCursor = new Int32Array(T);
    this.isServer = new Uint8Array(nB * T);
    this.deadLow = new Int32Array(nR).fill(T);
    this.deadBT = new Uint8Array(nB * T);
    this.deadI = new Uint8Array(T);
    this.seenR = new Int32Array(nR);
    this.lowR = new Int32Array(nR);
    this.seenBT = new Int32Array(nB * T);
    this.seenI = new Int32Array(T);
    this.parentBT = new Int32Array(nB * T);
    this.entryBT = new Int32Array(nB * T);
    this.parentI = new Int32Array(T);
    this.localQueue = new Int32Array(nB * T);
    this.intervalQueue = new Int32Array(T);
    this.fillOrder = Array.from({ length: T }, (_, t) => t);
  }

  run(): void {
    const T = this.T;
    for (const r of this.meritOrder()) {
      if (this.demandLeft <= EPS) break;
      this.fillDirectly(r);
      // A dead chain node of r0 means a dead u_{T−1} (dead nodes are a suffix): nothing left to push.
      while ((this.budget[r] as number) > EPS && this.demandLeft > EPS && this.deadLow[r] === T) {
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

  /** Pushes a resource's flow straight into intervals that still want it. */
  private fillDirectly(r: number): void {
    // Most wanted intervals first (the order is refreshed now and then, not per resource): spreading
    // budgets over the intervals that need them leaves fewer paths to reroute later.
    if (this.fills++ % 64 === 0) {
      const demand = this.demand;
      this.fillOrder.sort((x, y) => (demand[y] as number) - (demand[x] as number) || x - y);
    }
    if ((this.chainOf[r] as number) >= 0) {
      this.fillChain(r);
      return;
    }
    const T = this.T;
    const b = this.resBuilding[r] as number;
    let budget = this.budget[r] as number;
    for (let k = 0; k < T && budget > EPS; k++)
      budget -= this.pushDirect(r, b, this.fillOrder[k] as number, budget);
    this.budget[r] = budget;
  }

  /**
   * Pushes what interval t still wants straight through resource r of building b, at most `limit`
   * and what the resource and the building have room for; answers the amount (0 when nothing).
   */
  private pushDirect(r: number, b: number, t: number, limit: number): number {
    const want = this.demand[t] as number;
    if (want <= EPS) return 0;
    const bt = b * this.T + t;
    const rt = r * this.T + t;
    const amount = Math.min(
      want,
      limit,
      (this.cap[rt] as number) - (this.flow[rt] as number),
      this.headroom[bt] as number,
    );
    if (amount <= EPS) return 0;
    this.flow[rt] = (this.flow[rt] as number) + amount;
    this.addThrough(bt, t, amount);
    this.demand[t] = want - amount;
    this.demandLeft -= amount;
    return amount;
  }

  /**
   * The direct fill of a chain: source → u_{T−1} → … → u_t → (b,t) → t → sink, whose chain part
   * allows `min_{s ≥ t} slack_s`. Latest interval first, so that this minimum is kept as a running
   * one (what is pushed at t lowers every slack from t on) and the early caps are spent last; the
   * slacks are brought up to date once at the end, in O(T).
   */
  private fillChain(r: number): void {
    const T = this.T;
    const b = this.resBuilding[r] as number;
    const base = (this.chainOf[r] as number) * T;
    const slack = this.chainSlack;
    const pushed = this.fillScratch.fill(0);
    let room = this.budget[r] as number;
    let total = 0;
    for (let t = T - 1; t >= 0; t--) {
      // Nothing is pushed at or before t yet, so slack_t is still as stored.
      if (t < T - 1) room = Math.min(room, slack[base + t] as number);
      if (room <= EPS) break;
      const amount = this.pushDirect(r, b, t, room);
      if (amount === 0) continue;
      room -= amount;
      pushed[t] = amount;
      total += amount;
    }
    let given = 0;
    for (let s = 0; s < T - 1; s++) {
      given += pushed[s] as number;
      slack[base + s] = (slack[base + s] as number) - given;
    }
    this.budget[r] = (this.budget[r] as number) - total;
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
    this.localTail = 0;
    this.enterChain(r0, this.T, stamp);
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
        this.localQueue[0] = bt;
        this.localTail = 1;
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
   * Breadth-first over the building-intervals of one building queued in `localQueue` (and those
   * its resources' chains lead to). Intervals reached are queued for `searchBackFrom`. Returns an
   * interval with unmet target as soon as one is reached, or −1.
   */
  private drainLocal(stamp: number): number {
    const T = this.T;
    const queue = this.localQueue;
    let head = 0;
    while (head < this.localTail) {
      const bt = queue[head++] as number;
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
      for (let r = first; r < last; r++)
        if ((this.flow[r * T + t] as number) > EPS) this.enterChain(r, t, stamp);
    }
    return -1;
  }

  /**
   * Enters resource r's chain at u_e through the backward arc of x_{r,e} (e < T), or from the source
   * at u_{T−1} (e = T, only for the resource being pushed), and queues the building-intervals that
   * the newly reached chain nodes' forward arcs lead to.
   *
   * What the search reached of r (or what is dead) is the suffix from `L` on. The entry reaches
   * nothing new when its node is in it. Otherwise it reaches every node from it up to L − 1 (the arc
   * u_{s+1} → u_s carries P_s ≥ x_e > 0 for s ≥ e) and down while the slack is positive.
   */
  private enterChain(r: number, e: number, stamp: number): void {
    const T = this.T;
    const seen = this.seenR[r] === stamp;
    const L = seen ? (this.lowR[r] as number) : (this.deadLow[r] as number);
    let lo = e < T ? e : T - 1;
    if (lo >= L) return;
    const c = this.chainOf[r] as number;
    if (c < 0) lo = 0;
    else {
      const slack = this.chainSlack;
      const base = c * T;
      while (lo > 0 && (slack[base + lo - 1] as number) > EPS) lo--;
    }
    if (!seen) {
      this.seenR[r] = stamp;
      this.visitedR.push(r);
    }
    this.lowR[r] = lo;
    const b = this.resBuilding[r] as number;
    const queue = this.localQueue;
    for (let t = lo; t < L; t++) {
      const rt = r * T + t;
      if ((this.cap[rt] as number) - (this.flow[rt] as number) <= EPS) continue;
      const bt = b * T + t;
      if (this.seenBT[bt] === stamp || this.deadBT[bt]) continue;
      this.seenBT[bt] = stamp;
      this.visitedBT.push(bt);
      this.parentBT[bt] = r;
      this.entryBT[bt] = e;
      queue[this.localTail++] = bt;
    }
  }

  /**
   * Everything a failed search reached cannot reach the sink, now or later: of each resource, the
   * suffix of its chain from the lowest node reached.
   */
  private markVisitedDead(): void {
    for (const r of this.visitedR) this.deadLow[r] = this.lowR[r] as number;
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
   * smallest residual on the way (starting from `limit`, which holds r0's budget, the slack of its
   * source arc); with it, pushes `limit` along the path.
   */
  private walkPath(end: number, limit: number, apply: boolean): number {
    const T = this.T;
    const slack = this.chainSlack;
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
        // node ← chain node u_x of resource p, forward arc: p serves x more.
        const x = node % T;
        const e = this.entryBT[node] as number;
        const rt = p * T + x;
        if (apply) this.flow[rt] = (this.flow[rt] as number) + amount;
        else amount = Math.min(amount, (this.cap[rt] as number) - (this.flow[rt] as number));
        const c = this.chainOf[p] as number;
        if (c >= 0) {
          const base = c * T;
          if (x < e) {
            // Down the chain from u_e to u_x: P_s grows for s in [x, e), through arcs of slack_s
            // (from the source, s = T−1 is the budget, counted in `limit` and by `augment`).
            const top = e < T ? e : T - 1;
            for (let s = x; s < top; s++) {
              if (apply) slack[base + s] = (slack[base + s] as number) - amount;
              else amount = Math.min(amount, slack[base + s] as number);
            }
          } else if (apply) {
            // Up from u_e to u_x: P_s falls for s in [e, x); no bottleneck tighter than x_e's.
            for (let s = e; s < x; s++) slack[base + s] = (slack[base + s] as number) + amount;
          }
        }
        if (e === T) return amount;
        // u_e of resource p ← building-interval (b_p, e), backward arc: p serves e less.
        const qt = p * T + e;
        if (apply) this.flow[qt] = (this.flow[qt] as number) - amount;
        else amount = Math.min(amount, this.flow[qt] as number);
        node = (this.resBuilding[p] as number) * T + e;
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
      stats: { ...this.stats, chainedResources: this.chainedResources },
    };
  }
}

/**
 * Writes into `caps` the binding form of a resource's prefix caps, kWh: `B_t = max(0, min over s ≥ t
 * of prefixKwh[s])`, with the window total `budgetKwh` counted at T−1 (the energy given by t is at
 * most what is given by any later s, so a later, smaller cap binds the earlier ones). Returns whether
 * some cap is below the window total, i.e. whether the resource needs a chain.
 */
function normalisePrefixCaps(
  prefixKwh: ArrayLike<number>,
  budgetKwh: number,
  caps: Float64Array,
  name: string,
): boolean {
  const T = caps.length;
  if (prefixKwh.length !== T)
    throw new RangeError(`resource ${name}: prefixKwh has ${prefixKwh.length} values for ${T} intervals`);
  let least = budgetKwh;
  for (let t = T - 1; t >= 0; t--) {
    const cap = prefixKwh[t] as number;
    if (Number.isNaN(cap)) throw new RangeError(`resource ${name}: prefixKwh[${t}] is not a number`);
    least = Math.min(least, cap);
    caps[t] = Math.max(0, least);
  }
  const total = caps[T - 1] as number;
  const below = Number.isFinite(total) ? total * (1 - CHAIN_TOLERANCE) : Number.POSITIVE_INFINITY;
  for (let t = 0; t < T - 1; t++) if ((caps[t] as number) < below) return true;
  return false;
}
