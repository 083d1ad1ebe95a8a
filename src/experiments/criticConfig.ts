/** Critic configs from JSON (shared by the MI benchmark and the models that use an MI term). */
import { ConfigError, expectKeys, expectObject, posInt, str } from '../config/validate.js';
import { CRITIC_INITS, CRITIC_KINDS, type CriticConfig } from '../nets/critics.js';
import { checkActivation } from '../nets/mlp.js';

export function parseCriticConfig(v: unknown, path = 'critic'): CriticConfig {
  const o = expectObject(v ?? { kind: 'concat', hidden: [256, 256] }, path);
  const kind = str(o, 'kind', path, CRITIC_KINDS, 'concat');
  const hidden = (): number[] => {
    const h = o.hidden ?? [256, 256];
    if (!Array.isArray(h) || h.some((x) => !Number.isInteger(x) || x <= 0)) {
      throw new ConfigError(`${path}.hidden must be a list of positive integers (hidden widths), got ${JSON.stringify(h)}`);
    }
    return h as number[];
  };
  switch (kind) {
    case 'concat':
      expectKeys(o, ['kind', 'hidden', 'activation', 'init'], path);
      return { kind, hidden: hidden(), activation: checkActivation(o.activation ?? 'relu', `${path}.activation`), init: str(o, 'init', path, CRITIC_INITS, 'pytorch') };
    case 'separable':
      expectKeys(o, ['kind', 'hidden', 'embedding', 'activation', 'init'], path);
      return { kind, hidden: hidden(), embedding: posInt(o, 'embedding', path, 32), activation: checkActivation(o.activation ?? 'relu', `${path}.activation`), init: str(o, 'init', path, CRITIC_INITS, 'pytorch') };
    case 'bilinear':
      expectKeys(o, ['kind'], path);
      return { kind };
  }
}
