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
#include <string.h>
#include <node_api.h>

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

static void adam_loop(int64_t size, const float *restrict x, const float *restrict m, const float *restrict v, const float *restrict g,
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
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, info_fn, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof d / sizeof d[0], d));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
