/*
 * infobound's native kernels: OpenBLAS sgemm and a fused Adam update, run directly on the
 * float32 data of the tfjs wasm backend's heap (an ArrayBuffer passed at every call, with float
 * offsets into it), so no tensor is copied in or out. See src/backend/nativeBlas.ts.
 *
 * OpenBLAS is opened with dlopen at load time, not linked: the addon then builds with only a C
 * compiler and Node's headers, and a machine without OpenBLAS gets a clear load error (the JS side
 * falls back to the portable wasm kernels). OpenBLAS reads OPENBLAS_CORETYPE when it loads; the JS
 * side sets it before requiring this addon (Debian's 0.3.21 misdetects these VMs' CPUs and runs
 * 4x slower otherwise, ../shared/BACKENDS.md).
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

/* The element-wise loops are compiled for AVX-512, AVX2 and the x86-64 baseline and picked at load
   time (the addon is built without -march, for any x86-64); -ffp-contract=off in binding.gyp keeps
   tfjs' float32 rounding (no fused multiply-adds). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VEC __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VEC
#endif

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*str_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_fn)(int);

static sgemm_fn p_sgemm = NULL;
static str_fn p_corename = NULL, p_config = NULL;
static int_fn p_get_threads = NULL;
static set_fn p_set_threads = NULL;
static char load_error[512] = "";
static char loaded_from[256] = "";

static int open_openblas(void) {
  /* Debian's runtime package (libopenblas0-pthread) provides libopenblas.so.0 through alternatives;
     the -dev package adds libopenblas.so. The pthread variant's own path is tried last. */
  const char *names[] = {"libopenblas.so.0", "libopenblas.so", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                         "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0", NULL};
  void *h = NULL;
  for (int i = 0; names[i] && !h; i++) {
    h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (h) snprintf(loaded_from, sizeof loaded_from, "%s", names[i]);
  }
  if (!h) {
    snprintf(load_error, sizeof load_error, "cannot dlopen libopenblas.so.0: %s", dlerror());
    return 0;
  }
  p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
  p_corename = (str_fn)dlsym(h, "openblas_get_corename");
  p_config = (str_fn)dlsym(h, "openblas_get_config");
  p_get_threads = (int_fn)dlsym(h, "openblas_get_num_threads");
  p_set_threads = (set_fn)dlsym(h, "openblas_set_num_threads");
  if (!p_sgemm) {
    snprintf(load_error, sizeof load_error, "%s has no cblas_sgemm", loaded_from);
    return 0;
  }
  return 1;
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "infobound native: " #call " failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  *out = (int64_t)d;
  return 1;
}

/* The heap as floats, checking that [off, off + len) lies inside it. */
static float *heap_floats(napi_env env, napi_value buf, size_t *n_floats) {
  void *data;
  size_t bytes;
  if (napi_get_arraybuffer_info(env, buf, &data, &bytes) != napi_ok) return NULL;
  *n_floats = bytes / 4;
  return (float *)data;
}

static int in_heap(int64_t off, int64_t len, size_t n) { return off >= 0 && len >= 0 && (uint64_t)(off + len) <= n; }

/*
 * sgemm(heap, transA, transB, m, n, k, aOff, bOff, cOff, batch, aStride, bStride, cStride, alpha, beta)
 * For p < batch: C_p[m×n] = alpha·op(A_p)·op(B_p) + beta·C_p, row-major, A_p at aOff + p·aStride
 * (floats), stored [k×m] when transA else [m×k]; B_p likewise [n×k] when transB else [k×n].
 * A stride of 0 broadcasts that operand over the batch.
 */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 15) {
    napi_throw_type_error(env, NULL, "sgemm: expected 15 arguments");
    return NULL;
  }
  size_t nf;
  float *heap = heap_floats(env, argv[0], &nf);
  if (!heap) {
    napi_throw_type_error(env, NULL, "sgemm: argument 0 must be an ArrayBuffer");
    return NULL;
  }
  bool ta, tb;
  CHECK(napi_get_value_bool(env, argv[1], &ta));
  CHECK(napi_get_value_bool(env, argv[2], &tb));
  int64_t v[10];
  for (int i = 0; i < 10; i++)
    if (!get_i64(env, argv[3 + i], &v[i])) {
      napi_throw_type_error(env, NULL, "sgemm: arguments 3–12 must be numbers");
      return NULL;
    }
  double alpha, beta;
  CHECK(napi_get_value_double(env, argv[13], &alpha));
  CHECK(napi_get_value_double(env, argv[14], &beta));
  int64_t m = v[0], n = v[1], k = v[2], ao = v[3], bo = v[4], co = v[5], batch = v[6], as = v[7], bs = v[8], cs = v[9];
  if (m < 0 || n < 0 || k < 0 || batch < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) {
    napi_throw_range_error(env, NULL, "sgemm: m, n, k, batch must be non-negative 32-bit sizes");
    return NULL;
  }
  if (batch > 0 && (!in_heap(ao, m * k + (batch - 1) * as, nf) || !in_heap(bo, k * n + (batch - 1) * bs, nf) ||
                    !in_heap(co, m * n + (batch - 1) * cs, nf))) {
    napi_throw_range_error(env, NULL, "sgemm: an operand lies outside the heap");
    return NULL;
  }
  for (int64_t p = 0; p < batch; p++) {
    float *c = heap + co + p * cs;
    if (m == 0 || n == 0) continue;
    if (k == 0) {
      /* BLAS leaves C untouched for k = 0 with beta = 1 only; make the empty sum explicit */
      for (int64_t i = 0; i < m * n; i++) c[i] = beta == 0 ? 0.0f : (float)(beta * c[i]);
      continue;
    }
    p_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, (int)m, (int)n, (int)k, (float)alpha, heap + ao + p * as,
            ta ? (int)m : (int)k, heap + bo + p * bs, tb ? (int)k : (int)n, (float)beta, c, (int)n);
  }
  return NULL;
}

/*
 * biasAct(heap, cOff, rows, n, biasOff, act): C[r, j] = act(C[r, j] + bias[j]) in place for the
 * rows × n block at cOff; biasOff < 0 means no bias; act 0 = linear, 1 = relu.
 */
static napi_value bias_act(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t nf;
  float *heap = argc >= 6 ? heap_floats(env, argv[0], &nf) : NULL;
  int64_t v[5];
  if (!heap) {
    napi_throw_type_error(env, NULL, "biasAct: expected (ArrayBuffer, cOff, rows, n, biasOff, act)");
    return NULL;
  }
  for (int i = 0; i < 5; i++)
    if (!get_i64(env, argv[1 + i], &v[i])) {
      napi_throw_type_error(env, NULL, "biasAct: arguments 1–5 must be numbers");
      return NULL;
    }
  int64_t co = v[0], rows = v[1], n = v[2], bo = v[3], act = v[4];
  if (rows < 0 || n < 0 || !in_heap(co, rows * n, nf) || (bo >= 0 && !in_heap(bo, n, nf))) {
    napi_throw_range_error(env, NULL, "biasAct: an operand lies outside the heap");
    return NULL;
  }
  float *c = heap + co;
  const float *b = bo >= 0 ? heap + bo : NULL;
  for (int64_t r = 0; r < rows; r++, c += n) {
    if (b)
      for (int64_t j = 0; j < n; j++) c[j] += b[j];
    if (act == 1)
      for (int64_t j = 0; j < n; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
  }
  return NULL;
}

VEC static void adam_loop(int64_t size, const float *restrict x, const float *restrict m, const float *restrict v, const float *restrict g,
                      float *restrict x2, float *restrict m2, float *restrict v2, float lr, float b1, float b2, float eps, float c1,
                      float c2, float ob1, float ob2) {
  for (int64_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * ob1;
    const float vi = v[i] * b2 + (gi * gi) * ob2;
    m2[i] = mi;
    v2[i] = vi;
    x2[i] = (mi / c1) / (sqrtf(vi / c2) + eps) * -lr + x[i];
  }
}

/*
 * adam(heap, xOff, mOff, vOff, gOff, x2Off, m2Off, v2Off, size, lr, beta1, beta2, eps, accBeta1,
 * accBeta2): one Adam step from (x, m, v, g) into new buffers (x2, m2, v2), in the operation order
 * of tfjs' AdamOptimizer (Kingma & Ba 2015, Algorithm 1):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
 *   x ← x − lr · (m/(1−β1ᵗ)) / (sqrt(v/(1−β2ᵗ)) + ε)        (accBeta = βᵗ)
 * One pass over seven arrays instead of ~13 element-wise kernels, each writing a new tensor.
 */
static napi_value adam(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t nf;
  float *heap = argc >= 15 ? heap_floats(env, argv[0], &nf) : NULL;
  if (!heap) {
    napi_throw_type_error(env, NULL, "adam: expected (ArrayBuffer, xOff, mOff, vOff, gOff, x2Off, m2Off, v2Off, size, lr, beta1, beta2, eps, accBeta1, accBeta2)");
    return NULL;
  }
  int64_t o[8];
  for (int i = 0; i < 8; i++)
    if (!get_i64(env, argv[1 + i], &o[i])) {
      napi_throw_type_error(env, NULL, "adam: offsets and size must be numbers");
      return NULL;
    }
  double h[6];
  for (int i = 0; i < 6; i++) CHECK(napi_get_value_double(env, argv[9 + i], &h[i]));
  int64_t size = o[7];
  for (int i = 0; i < 7; i++)
    if (!in_heap(o[i], size, nf)) {
      napi_throw_range_error(env, NULL, "adam: an operand lies outside the heap");
      return NULL;
    }
  /* the outputs are new buffers, disjoint from the inputs (the JS side allocates them): restrict
     lets the compiler vectorise the loop (7 pointers are too many for its runtime alias checks) */
  for (int i = 4; i < 7; i++)
    for (int j = 0; j < 7; j++)
      if (i != j && o[i] < o[j] + size && o[j] < o[i] + size) {
        napi_throw_range_error(env, NULL, "adam: an output overlaps another operand");
        return NULL;
      }
  const float *x = heap + o[0], *m = heap + o[1], *v = heap + o[2], *g = heap + o[3];
  float *x2 = heap + o[4], *m2 = heap + o[5], *v2 = heap + o[6];
  /* float32 constants as tfjs computes them (scalars on the device are float32) */
  const float lr = (float)h[0], b1 = (float)h[1], b2 = (float)h[2], eps = (float)h[3];
  const float c1 = 1.0f - (float)h[4], c2 = 1.0f - (float)h[5];
  const float ob1 = (float)(1.0 - h[1]), ob2 = (float)(1.0 - h[2]);
  adam_loop(size, x, m, v, g, x2, m2, v2, lr, b1, b2, eps, c1, c2, ob1, ob2);
  return NULL;
}

/* ---- dense layer stacks: y = act_L(… act_1(x·W_1 + b_1) …·W_L + b_L) as one call each way ---- */

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_LEAKY = 2 };

/* Two scratch buffers owned by the addon, grown as needed and reused across calls (Node calls
   us from one thread): the backward pass' running gradient never touches the wasm heap. */
static float *scratch[2] = {NULL, NULL};
static size_t scratch_len[2] = {0, 0};

static float *scratch_buf(int i, size_t n) {
  if (scratch_len[i] < n) {
    float *p = (float *)realloc(scratch[i], n * sizeof(float));
    if (!p) return NULL;
    scratch[i] = p;
    scratch_len[i] = n;
  }
  return scratch[i];
}

/* c[r, j] = act(c[r, j] + b[j]) in place (b may be NULL) */
VEC static void bias_act_rows(float *c, const float *b, int64_t rows, int64_t n, int act, float alpha) {
  for (int64_t r = 0; r < rows; r++, c += n) {
    if (b)
      for (int64_t j = 0; j < n; j++) c[j] += b[j];
    if (act == ACT_RELU)
      for (int64_t j = 0; j < n; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
    else if (act == ACT_LEAKY)
      for (int64_t j = 0; j < n; j++) c[j] = c[j] < 0.0f ? alpha * c[j] : c[j];
  }
}

/* g ← g ⊙ act'(pre-activation), from the activation's output h (h > 0 ⇔ pre-activation > 0 for
   relu and leaky relu with alpha > 0); dst may equal g. The gradient at 0 is 0 (relu) or alpha
   (leaky), as tfjs' Step- and LeakyRelu-based gradients give. */
VEC static void act_grad(float *dst, const float *g, const float *h, int64_t len, int act, float alpha) {
  if (act == ACT_RELU)
    for (int64_t i = 0; i < len; i++) dst[i] = h[i] > 0.0f ? g[i] : 0.0f;
  else if (act == ACT_LEAKY)
    for (int64_t i = 0; i < len; i++) dst[i] = h[i] > 0.0f ? g[i] : alpha * g[i];
  else if (dst != g)
    memcpy(dst, g, (size_t)len * sizeof(float));
}

/* db[j] = Σ_r g[r, j], summed in row order in float32 (as tfjs' Sum kernels do) */
VEC static void col_sum(float *db, const float *g, int64_t rows, int64_t n) {
  for (int64_t j = 0; j < n; j++) db[j] = 0.0f;
  for (int64_t r = 0; r < rows; r++, g += n)
    for (int64_t j = 0; j < n; j++) db[j] += g[j];
}

static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, float *c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    memset(c, 0, (size_t)(m * n) * sizeof(float));
    return;
  }
  p_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, (int)m, (int)n, (int)k, 1.0f, a, ta ? (int)m : (int)k, b, tb ? (int)k : (int)n,
          0.0f, c, (int)n);
}

/* Reads a Float64Array argument (a call's plan of sizes and heap offsets). */
static double *plan_of(napi_env env, napi_value v, size_t *len) {
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != napi_float64_array) return NULL;
  return (double *)data;
}

#define PLAN_FAIL(msg)                        \
  do {                                        \
    napi_throw_range_error(env, NULL, msg);   \
    return NULL;                              \
  } while (0)

/*
 * denseForward(heap, plan): plan = [n, L, act, outAct, alpha, xOff, yOff,
 *   then per layer i < L: in_i, out_i, wOff_i, bOff_i (−1: no bias), hOff_i (−1: not kept)].
 * Layer i maps [n, in_i] to [n, out_i]: h ← act(h·W_i + b_i) (outAct on the last layer); x is
 * layer 0's input, the last layer writes y, and a hidden layer's output goes to hOff_i when kept
 * (the backward pass needs it) or to the addon's scratch otherwise.
 */
static napi_value dense_forward(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "denseForward: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  if (plen < 7) PLAN_FAIL("denseForward: plan too short");
  const int64_t n = (int64_t)p[0], L = (int64_t)p[1];
  const int act = (int)p[2], out_act = (int)p[3];
  const float alpha = (float)p[4];
  const int64_t x_off = (int64_t)p[5], y_off = (int64_t)p[6];
  if (n < 0 || L < 1 || plen != (size_t)(7 + 5 * L)) PLAN_FAIL("denseForward: plan length does not match its layer count");
  const double *ly = p + 7;
  int64_t widest = 0;
  for (int64_t i = 0; i < L; i++) {
    const int64_t in = (int64_t)ly[5 * i], out = (int64_t)ly[5 * i + 1], w = (int64_t)ly[5 * i + 2], b = (int64_t)ly[5 * i + 3], h = (int64_t)ly[5 * i + 4];
    if (in < 0 || out < 0 || in > INT32_MAX || out > INT32_MAX || n > INT32_MAX) PLAN_FAIL("denseForward: sizes must be non-negative 32-bit");
    if (i > 0 && in != (int64_t)ly[5 * (i - 1) + 1]) PLAN_FAIL("denseForward: a layer's input width differs from the previous layer's output width");
    if (!in_heap(w, in * out, nf) || (b >= 0 && !in_heap(b, out, nf)) || (h >= 0 && !in_heap(h, n * out, nf))) PLAN_FAIL("denseForward: an operand lies outside the heap");
    if (out > widest) widest = out;
  }
  if (!in_heap(x_off, n * (int64_t)ly[0], nf) || !in_heap(y_off, n * (int64_t)ly[5 * (L - 1) + 1], nf)) PLAN_FAIL("denseForward: x or y lies outside the heap");
  const float *src = heap + x_off;
  for (int64_t i = 0; i < L; i++) {
    const int64_t in = (int64_t)ly[5 * i], out = (int64_t)ly[5 * i + 1], b = (int64_t)ly[5 * i + 3], h = (int64_t)ly[5 * i + 4];
    float *dst;
    if (i == L - 1) dst = heap + y_off;
    else if (h >= 0) dst = heap + h;
    else if (!(dst = scratch_buf((int)(i & 1), (size_t)(n * widest)))) PLAN_FAIL("denseForward: out of memory for scratch");
    gemm(0, 0, n, out, in, src, heap + (int64_t)ly[5 * i + 2], dst);
    bias_act_rows(dst, b >= 0 ? heap + b : NULL, n, out, i == L - 1 ? out_act : act, alpha);
    src = dst;
  }
  return NULL;
}

/*
 * denseBackward(heap, plan): plan = [n, L, act, outAct, alpha, dyOff, yOff (−1 when outAct is
 *   linear), dxOff (−1: not wanted), lowest, then per layer i < L: in_i, out_i, wOff_i, inOff_i
 *   (layer i's input: x for i = 0, the kept hidden output of layer i−1 otherwise), dwOff_i,
 *   dbOff_i (−1: not wanted)].
 * Back-propagates dy from the last layer down to layer `lowest` (0 when dx is wanted):
 *   g_L = dy ⊙ outAct'(y);  dW_i = inᵢᵀ·g_i,  db_i = Σ_rows g_i,  g_{i−1} = (g_i·W_iᵀ) ⊙ act'(in_i),
 * and dx = g_0·W_0ᵀ. The running gradient lives in the addon's scratch.
 */
static napi_value dense_backward(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "denseBackward: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  if (plen < 9) PLAN_FAIL("denseBackward: plan too short");
  const int64_t n = (int64_t)p[0], L = (int64_t)p[1];
  const int act = (int)p[2], out_act = (int)p[3];
  const float alpha = (float)p[4];
  const int64_t dy_off = (int64_t)p[5], y_off = (int64_t)p[6], dx_off = (int64_t)p[7], lowest = (int64_t)p[8];
  if (n < 0 || n > INT32_MAX || L < 1 || plen != (size_t)(9 + 6 * L)) PLAN_FAIL("denseBackward: plan length does not match its layer count");
  if (lowest < 0 || lowest >= L || (dx_off >= 0 && lowest != 0)) PLAN_FAIL("denseBackward: lowest layer out of range");
  const double *ly = p + 9;
  int64_t widest = 0;
  for (int64_t i = 0; i < L; i++) {
    const int64_t in = (int64_t)ly[6 * i], out = (int64_t)ly[6 * i + 1], w = (int64_t)ly[6 * i + 2], a = (int64_t)ly[6 * i + 3], dw = (int64_t)ly[6 * i + 4], db = (int64_t)ly[6 * i + 5];
    if (in < 0 || out < 0 || in > INT32_MAX || out > INT32_MAX) PLAN_FAIL("denseBackward: sizes must be non-negative 32-bit");
    if (i > 0 && in != (int64_t)ly[6 * (i - 1) + 1]) PLAN_FAIL("denseBackward: a layer's input width differs from the previous layer's output width");
    if (!in_heap(w, in * out, nf) || !in_heap(a, n * in, nf) || (dw >= 0 && !in_heap(dw, in * out, nf)) || (db >= 0 && !in_heap(db, out, nf)))
      PLAN_FAIL("denseBackward: an operand lies outside the heap");
    if (out > widest) widest = out;
    if (in > widest) widest = in;
  }
  const int64_t last_out = (int64_t)ly[6 * (L - 1) + 1];
  if (!in_heap(dy_off, n * last_out, nf) || (y_off >= 0 && !in_heap(y_off, n * last_out, nf)) || (dx_off >= 0 && !in_heap(dx_off, n * (int64_t)ly[0], nf)))
    PLAN_FAIL("denseBackward: dy, y or dx lies outside the heap");
  if (out_act != ACT_LINEAR && y_off < 0) PLAN_FAIL("denseBackward: a non-linear output activation needs y");
  float *buf[2] = {scratch_buf(0, (size_t)(n * widest)), scratch_buf(1, (size_t)(n * widest))};
  if (!buf[0] || !buf[1]) PLAN_FAIL("denseBackward: out of memory for scratch");
  const float *g = heap + dy_off;
  int cur = 0;
  if (out_act != ACT_LINEAR) {
    act_grad(buf[cur], g, heap + y_off, n * last_out, out_act, alpha);
    g = buf[cur];
    cur ^= 1;
  }
  for (int64_t i = L - 1; i >= lowest; i--) {
    const int64_t in = (int64_t)ly[6 * i], out = (int64_t)ly[6 * i + 1], dw = (int64_t)ly[6 * i + 4], db = (int64_t)ly[6 * i + 5];
    const float *w = heap + (int64_t)ly[6 * i + 2], *a = heap + (int64_t)ly[6 * i + 3];
    if (dw >= 0) gemm(1, 0, in, out, n, a, g, heap + dw);
    if (db >= 0) col_sum(heap + db, g, n, out);
    if (i > lowest) {
      gemm(0, 1, n, in, out, g, w, buf[cur]);
      act_grad(buf[cur], buf[cur], a, n * in, act, alpha);
      g = buf[cur];
      cur ^= 1;
    } else if (i == 0 && dx_off >= 0) {
      gemm(0, 1, n, in, out, g, w, heap + dx_off);
    }
  }
  return NULL;
}

VEC static void adam_in_place(int64_t size, float *restrict x, float *restrict m, float *restrict v, const float *restrict g, float lr, float b1,
                          float b2, float eps, float c1, float c2, float ob1, float ob2) {
  for (int64_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * ob1;
    const float vi = v[i] * b2 + (gi * gi) * ob2;
    m[i] = mi;
    v[i] = vi;
    x[i] = (mi / c1) / (sqrtf(vi / c2) + eps) * -lr + x[i];
  }
}

/*
 * adamMany(heap, plan): one Adam step (the order of operations of `adam` above) for every
 * variable of an optimizer in one call, then β1ᵗ ← β1ᵗ·β1 and β2ᵗ ← β2ᵗ·β2 in float32.
 * plan = [count, lr, beta1, beta2, eps, acc1Off, acc2Off, then per variable: size, xOff, mOff,
 * vOff, gOff, x2Off, m2Off, v2Off]. A variable is updated in place (x2 = x, m2 = m, v2 = v) or
 * into new buffers disjoint from every operand; g is never written.
 */
static napi_value adam_many(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "adamMany: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  if (plen < 7) PLAN_FAIL("adamMany: plan too short");
  const int64_t count = (int64_t)p[0];
  if (count < 0 || plen != (size_t)(7 + 8 * count)) PLAN_FAIL("adamMany: plan length does not match its variable count");
  const int64_t a1 = (int64_t)p[5], a2 = (int64_t)p[6];
  if (!in_heap(a1, 1, nf) || !in_heap(a2, 1, nf)) PLAN_FAIL("adamMany: accBeta lies outside the heap");
  const float lr = (float)p[1], b1 = (float)p[2], b2 = (float)p[3], eps = (float)p[4];
  const float acc1 = heap[a1], acc2 = heap[a2];
  const float c1 = 1.0f - acc1, c2 = 1.0f - acc2;
  const float ob1 = (float)(1.0 - p[2]), ob2 = (float)(1.0 - p[3]);
  /* check everything before writing anything */
  for (int64_t k = 0; k < count; k++) {
    const double *q = p + 7 + 8 * k;
    const int64_t size = (int64_t)q[0];
    int64_t o[7];
    for (int i = 0; i < 7; i++) o[i] = (int64_t)q[1 + i];
    for (int i = 0; i < 7; i++)
      if (size < 0 || !in_heap(o[i], size, nf)) PLAN_FAIL("adamMany: an operand lies outside the heap");
    const int in_place = o[4] == o[0] && o[5] == o[1] && o[6] == o[2];
    const int lim = in_place ? 4 : 7;
    for (int i = 0; i < lim; i++)
      for (int j = i + 1; j < lim; j++)
        if (o[i] < o[j] + size && o[j] < o[i] + size && size > 0) PLAN_FAIL("adamMany: operands overlap");
  }
  for (int64_t k = 0; k < count; k++) {
    const double *q = p + 7 + 8 * k;
    const int64_t size = (int64_t)q[0];
    float *x = heap + (int64_t)q[1], *m = heap + (int64_t)q[2], *v = heap + (int64_t)q[3];
    const float *g = heap + (int64_t)q[4];
    float *x2 = heap + (int64_t)q[5], *m2 = heap + (int64_t)q[6], *v2 = heap + (int64_t)q[7];
    if (x2 == x) adam_in_place(size, x, m, v, g, lr, b1, b2, eps, c1, c2, ob1, ob2);
    else adam_loop(size, x, m, v, g, x2, m2, v2, lr, b1, b2, eps, c1, c2, ob1, ob2);
  }
  heap[a1] = acc1 * b1;
  heap[a2] = acc2 * b2;
  return NULL;
}

/* Σ x[j]² in double; eight partial sums let the compiler vectorise the accumulation */
VEC static double sum_sq(const float *x, int64_t size) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= size; j += 8)
    for (int q = 0; q < 8; q++) acc[q] += (double)x[j + q] * (double)x[j + q];
  for (; j < size; j++) acc[0] += (double)x[j] * (double)x[j];
  double total = 0;
  for (int q = 0; q < 8; q++) total += acc[q];
  return total;
}

/* o = a + s·b (o may equal a) */
VEC static void axpy(float *o, const float *a, const float *b, float s, int64_t size) {
  for (int64_t j = 0; j < size; j++) o[j] = a[j] + s * b[j];
}

/*
 * sumSquares(heap, plan) → Σ_i Σ_j x_i[j]² over several float32 buffers, accumulated in double;
 * plan = [count, then per buffer off, size]. (The global norm of a set of gradients in one pass.)
 */
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2], res;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "sumSquares: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  const int64_t count = plen >= 1 ? (int64_t)p[0] : -1;
  if (count < 0 || plen != (size_t)(1 + 2 * count)) PLAN_FAIL("sumSquares: plan length does not match its buffer count");
  for (int64_t k = 0; k < count; k++)
    if ((int64_t)p[2 + 2 * k] < 0 || !in_heap((int64_t)p[1 + 2 * k], (int64_t)p[2 + 2 * k], nf)) PLAN_FAIL("sumSquares: a buffer lies outside the heap");
  double total = 0;
  for (int64_t k = 0; k < count; k++) {
    const float *x = heap + (int64_t)p[1 + 2 * k];
    const int64_t size = (int64_t)p[2 + 2 * k];
    total += sum_sq(x, size);
  }
  CHECK(napi_create_double(env, total, &res));
  return res;
}

/*
 * axpyMany(heap, plan): out_i = a_i + s·b_i in float32 for several buffer triples (out disjoint
 * from a and b, or equal to a); plan = [count, s, then per triple aOff, bOff, outOff, size].
 */
static napi_value axpy_many(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "axpyMany: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  const int64_t count = plen >= 2 ? (int64_t)p[0] : -1;
  if (count < 0 || plen != (size_t)(2 + 4 * count)) PLAN_FAIL("axpyMany: plan length does not match its buffer count");
  const float s = (float)p[1];
  for (int64_t k = 0; k < count; k++) {
    const double *q = p + 2 + 4 * k;
    const int64_t a = (int64_t)q[0], b = (int64_t)q[1], o = (int64_t)q[2], size = (int64_t)q[3];
    if (size < 0 || !in_heap(a, size, nf) || !in_heap(b, size, nf) || !in_heap(o, size, nf)) PLAN_FAIL("axpyMany: a buffer lies outside the heap");
    if (o != a && ((o < a + size && a < o + size) || (o < b + size && b < o + size)) && size > 0) PLAN_FAIL("axpyMany: out overlaps an input");
  }
  for (int64_t k = 0; k < count; k++) {
    const double *q = p + 2 + 4 * k;
    const float *a = heap + (int64_t)q[0], *b = heap + (int64_t)q[1];
    float *o = heap + (int64_t)q[2];
    const int64_t size = (int64_t)q[3];
    axpy(o, a, b, s, size);
  }
  return NULL;
}

/* one row of the all-pairs first layer: o = relu(a + c) */
VEC static void pair_row_relu(float *o, const float *a, const float *c, int64_t h) {
  for (int64_t k = 0; k < h; k++) {
    const float v = a[k] + c[k];
    o[k] = v > 0.0f ? v : 0.0f;
  }
}

/*
 * the gradient of one row: g = dy·1[out > 0] (a product, as tfjs' dy·step(x), so a NaN in dy stays
 * NaN; and branch-free, so that it vectorises), added to the double sums sa (over j) and sc (over i)
 */
VEC static void pair_row_relu_grad(double *restrict sa, double *restrict sc, const float *restrict dy, const float *restrict out, int64_t h) {
  for (int64_t k = 0; k < h; k++) {
    const float d = dy[k], mask = out[k] > 0.0f ? 1.0f : 0.0f;
    const double g = (double)(d * mask);
    sa[k] += g;
    sc[k] += g;
  }
}

/*
 * pairSumRelu(heap, plan): out[i·m + j] = relu(a_i + c_j) for a [n, h], c [m, h] (the concat
 * critic's first layer on all pairs, src/backend/pairSumRelu.ts); plan = [aOff, cOff, outOff, n, m, h].
 */
static napi_value pair_sum_relu(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "pairSumRelu: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  if (plen != 6) PLAN_FAIL("pairSumRelu: plan must be [aOff, cOff, outOff, n, m, h]");
  const int64_t ao = (int64_t)p[0], co = (int64_t)p[1], oo = (int64_t)p[2], n = (int64_t)p[3], m = (int64_t)p[4], h = (int64_t)p[5];
  if (n < 0 || m < 0 || h < 0 || !in_heap(ao, n * h, nf) || !in_heap(co, m * h, nf) || !in_heap(oo, n * m * h, nf))
    PLAN_FAIL("pairSumRelu: a buffer lies outside the heap");
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++) pair_row_relu(heap + oo + (i * m + j) * h, heap + ao + i * h, heap + co + j * h, h);
  return NULL;
}

/*
 * pairSumReluGrad(heap, plan): da_i = Σ_j dy_ij·1[out_ij > 0], dc_j = Σ_i dy_ij·1[out_ij > 0],
 * summed in double in the order i, then j, rounded once; plan = [dyOff, outOff, daOff, dcOff, n, m, h]
 * (daOff or dcOff −1 when that gradient is not wanted).
 */
static napi_value pair_sum_relu_grad(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen, nf;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *heap = argc >= 2 ? heap_floats(env, argv[0], &nf) : NULL;
  double *p = argc >= 2 ? plan_of(env, argv[1], &plen) : NULL;
  if (!heap || !p) {
    napi_throw_type_error(env, NULL, "pairSumReluGrad: expected (ArrayBuffer, Float64Array plan)");
    return NULL;
  }
  if (plen != 7) PLAN_FAIL("pairSumReluGrad: plan must be [dyOff, outOff, daOff, dcOff, n, m, h]");
  const int64_t dyo = (int64_t)p[0], oo = (int64_t)p[1], dao = (int64_t)p[2], dco = (int64_t)p[3], n = (int64_t)p[4], m = (int64_t)p[5], h = (int64_t)p[6];
  if (n < 0 || m < 0 || h < 0 || !in_heap(dyo, n * m * h, nf) || !in_heap(oo, n * m * h, nf) || (dao != -1 && !in_heap(dao, n * h, nf)) ||
      (dco != -1 && !in_heap(dco, m * h, nf)))
    PLAN_FAIL("pairSumReluGrad: a buffer lies outside the heap");
  double *sa = calloc((size_t)(n * h + m * h) + 1, sizeof(double));
  if (!sa) {
    napi_throw_error(env, NULL, "pairSumReluGrad: out of memory");
    return NULL;
  }
  double *sc = sa + n * h;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++) {
      const int64_t row = (i * m + j) * h;
      pair_row_relu_grad(sa + i * h, sc + j * h, heap + dyo + row, heap + oo + row, h);
    }
  if (dao != -1)
    for (int64_t q = 0; q < n * h; q++) heap[dao + q] = (float)sa[q];
  if (dco != -1)
    for (int64_t q = 0; q < m * h; q++) heap[dco + q] = (float)sc[q];
  free(sa);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, NULL, "setThreads: expected a positive integer");
    return NULL;
  }
  if (p_set_threads) p_set_threads(n);
  return NULL;
}

static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, s;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, p_corename ? p_corename() : "unknown", NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "coreName", s));
  CHECK(napi_create_string_utf8(env, p_config ? p_config() : "unknown", NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "config", s));
  CHECK(napi_create_int32(env, p_get_threads ? p_get_threads() : -1, &s));
  CHECK(napi_set_named_property(env, o, "threads", s));
  CHECK(napi_create_string_utf8(env, loaded_from, NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "library", s));
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!open_openblas()) {
    napi_throw_error(env, NULL, load_error);
    return NULL;
  }
  napi_property_descriptor d[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"biasAct", NULL, bias_act, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
      {"adamMany", NULL, adam_many, NULL, NULL, NULL, napi_default, NULL},
      {"denseForward", NULL, dense_forward, NULL, NULL, NULL, napi_default, NULL},
      {"denseBackward", NULL, dense_backward, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"axpyMany", NULL, axpy_many, NULL, NULL, NULL, napi_default, NULL},
      {"pairSumRelu", NULL, pair_sum_relu, NULL, NULL, NULL, napi_default, NULL},
      {"pairSumReluGrad", NULL, pair_sum_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, info_fn, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof d / sizeof d[0], d));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
