/**
 * Nelder–Mead simplex minimisation (Nelder & Mead 1965, with the standard coefficients of Lagarias
 * et al. 1998): derivative-free, so it copes with an objective evaluated by simulation, whose
 * discrete steps make it piecewise flat.
 */
export function nelderMead(objective: (x: number[]) => number, start: number[], options: { step?: number; iterations?: number; tolerance?: number } = {}): { x: number[]; value: number; iterations: number } {
  const n = start.length;
  const step = options.step ?? 0.5;
  const maxIterations = options.iterations ?? 200 * n;
  const tolerance = options.tolerance ?? 1e-6;
  let simplex = [start, ...start.map((_, i) => start.map((value, j) => (i === j ? value + step : value)))].map((x) => ({ x, value: objective(x) }));
  let iterations = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((value, i) => value + t * (b[i] - value));
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((a, b) => a.value - b.value);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.value - best.value) <= tolerance * (Math.abs(best.value) + tolerance)) break;
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((sum, vertex) => sum + vertex.x[i], 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const reflectedValue = objective(reflected);
    if (reflectedValue < best.value) {
      const expanded = combine(centroid, worst.x, -2);
      const expandedValue = objective(expanded);
      simplex[n] = expandedValue < reflectedValue ? { x: expanded, value: expandedValue } : { x: reflected, value: reflectedValue };
    } else if (reflectedValue < simplex[n - 1].value) {
      simplex[n] = { x: reflected, value: reflectedValue };
    } else {
      const outside = reflectedValue < worst.value;
      const contracted = combine(centroid, outside ? reflected : worst.x, 0.5);
      const contractedValue = objective(contracted);
      if (contractedValue < (outside ? reflectedValue : worst.value)) simplex[n] = { x: contracted, value: contractedValue };
      else simplex = simplex.map((vertex, i) => (i === 0 ? vertex : { x: combine(best.x, vertex.x, 0.5), value: objective(combine(best.x, vertex.x, 0.5)) }));
    }
  }
  simplex.sort((a, b) => a.value - b.value);
  return { x: simplex[0].x, value: simplex[0].value, iterations };
}
