/** Critic configs from JSON (shared by the MI benchmark and the models that use an MI term). */
import { z } from 'zod';
import { obj, parseWith, posInt, widths } from '../config/schemaTools.js';
import { CRITIC_INITS, CRITIC_KINDS, type CriticConfig } from '../nets/critics.js';
import { ACTIVATIONS } from '../nets/mlp.js';

const mlpFields = {
  hidden: widths().default([256, 256]).describe('widths of the hidden layers ([] is a linear critic).'),
  activation: z.enum(ACTIVATIONS).default('relu').describe('activation of the hidden layers.'),
  init: z
    .enum(CRITIC_INITS)
    .default('pytorch')
    .describe(
      "weight initialisation: 'pytorch' U(±1/√fan_in) weights and biases; 'keras' N(0, 0.05²) weights and zero biases (SMILE's and ReMINE's reference code).",
    ),
};

/** The statistics network T(x, y): concat (MINE), separable φ₁(x)ᵀφ₂(y) or bilinear xᵀWy (Poole et al. 2019 §2). */
export const criticSchema = z
  .discriminatedUnion(
    'kind',
    [
      obj({ kind: z.literal('concat').optional().describe('T([x, y]), an MLP on the concatenated pair (MINE).'), ...mlpFields }),
      obj({
        kind: z.literal('separable').describe('φ₁(x)ᵀφ₂(y), two MLPs to an embedding (InfoNCE/CPC style).'),
        ...mlpFields,
        embedding: posInt().default(32).describe('size of the embeddings φ₁(x), φ₂(y).'),
      }),
      obj({ kind: z.literal('bilinear').describe('xᵀWy, one matrix.') }),
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? `unknown critic ${JSON.stringify((iss.input as { kind?: unknown }).kind)}; expected one of ${CRITIC_KINDS.join(', ')}`
          : undefined,
    },
  )
  .describe('the statistics network T(x, y) (a "critic"); kind defaults to concat.')
  .meta({ id: 'critic' });

/** The same with a default: `critic` absent is this one (a concat MLP of `hidden` widths). */
export const criticField = (hidden = [256, 256]) => criticSchema.default({ kind: 'concat', hidden, activation: 'relu', init: 'pytorch' });

export function parseCriticConfig(v: unknown, path = 'critic'): CriticConfig {
  const c = parseWith(criticSchema, v ?? { kind: 'concat', hidden: [256, 256] }, path);
  switch (c.kind) {
    case undefined:
    case 'concat':
      return { kind: 'concat', hidden: c.hidden, activation: c.activation, init: c.init };
    case 'separable':
      return { kind: 'separable', hidden: c.hidden, embedding: c.embedding, activation: c.activation, init: c.init };
    case 'bilinear':
      return { kind: 'bilinear' };
  }
}
