// Cinder proof-of-GPU worker: the prover's side of the matrix-product challenge on an NVIDIA GPU.
//
// Spec: src/oracle/challenge/prng.ts (A and B from the seed) and matmul.ts (C = A.B, the tree over C's rows).
// Protocol on stdin/stdout (src/oracle/challenge/executors.ts), integers little-endian:
//   worker -> "CND1" once the device is initialised
//   'C' seed[32] u32 n  -> every tree node, leaves first, 32 bytes each
//   'Y' n x u16 (r)     -> n x i64: C.r for the last C
//   'R' u32 i           -> n x i32: row i of that C
//   end of stdin        -> exit 0; exit 2 when there is no CUDA device, 1 on any other failure (reason on stderr)
//
// Everything runs on the device: deriving A and B (SHAKE128, one thread per row), the product (int8 tensor cores
// through WMMA, int32 accumulators: exact, since |C_ij| <= n * 2^14 <= 2^30 for n <= 2^16), the row leaves and tree
// (SHA3-256, one thread per row / node), and C.r (int64, exact: |y_i| < 2^62). Matrices are zero-padded to a multiple
// of 64, which leaves the n x n product unchanged.
//
// `--host` runs the same pipeline on the CPU with the same Keccak code (no GPU needed; slow): it checks the protocol,
// the derivation and the hashing against the TypeScript reference on machines without a GPU.
//
// Build: nvcc -O3 -std=c++17 -arch=native -o matmul_int8 matmul_int8.cu   (WMMA int8 needs sm_72 or later)

#include <cuda_runtime.h>
#include <mma.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define HD __host__ __device__

static void fail(int status, const char* what, const char* detail) {
  fprintf(stderr, "matmul_int8: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(status);
}

static void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail(1, what, cudaGetErrorString(status));
}

// ---- Keccak-f[1600] and the two FIPS 202 sponges used (SHAKE128: rate 168, pad 0x1F; SHA3-256: rate 136, pad 0x06)

HD inline uint64_t rotl64(uint64_t x, int s) { return (x << s) | (x >> (64 - s)); }

HD void keccak_f1600(uint64_t st[25]) {
  const uint64_t rc[24] = {
      0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
      0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
      0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
      0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
      0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
      0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
  const int rotation[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
  const int lane[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};
#pragma unroll
  for (int round = 0; round < 24; ++round) {
    uint64_t bc[5];
    for (int i = 0; i < 5; ++i) bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
    for (int i = 0; i < 5; ++i) {
      uint64_t t = bc[(i + 4) % 5] ^ rotl64(bc[(i + 1) % 5], 1);
      for (int j = 0; j < 25; j += 5) st[j + i] ^= t;
    }
    uint64_t t = st[1];
    for (int i = 0; i < 24; ++i) {
      uint64_t next = st[lane[i]];
      st[lane[i]] = rotl64(t, rotation[i]);
      t = next;
    }
    for (int j = 0; j < 25; j += 5) {
      for (int i = 0; i < 5; ++i) bc[i] = st[j + i];
      for (int i = 0; i < 5; ++i) st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
    }
    st[0] ^= rc[round];
  }
}

struct Sponge {
  uint64_t st[25];
  int pos;
  int rate;

  HD explicit Sponge(int rate_bytes) : pos(0), rate(rate_bytes) {
    for (int i = 0; i < 25; ++i) st[i] = 0;
  }
  HD void absorb(uint8_t byte) {
    st[pos >> 3] ^= uint64_t(byte) << (8 * (pos & 7));
    if (++pos == rate) {
      keccak_f1600(st);
      pos = 0;
    }
  }
  HD void absorb_u32(uint32_t word) {
    for (int i = 0; i < 4; ++i) absorb(uint8_t(word >> (8 * i)));
  }
  HD void finish(uint8_t pad) {
    st[pos >> 3] ^= uint64_t(pad) << (8 * (pos & 7));
    st[(rate - 1) >> 3] ^= 0x80ULL << (8 * ((rate - 1) & 7));
    keccak_f1600(st);
    pos = 0;
  }
  HD uint8_t squeeze() {
    if (pos == rate) {
      keccak_f1600(st);
      pos = 0;
    }
    uint8_t byte = uint8_t(st[pos >> 3] >> (8 * (pos & 7)));
    ++pos;
    return byte;
  }
};

struct Stream {
  uint8_t tag[17];  // "cinder/pogpu/v1/A" or ".../B"
  uint8_t seed[32];
};

// Row `row` of a matrix: the first n bytes of SHAKE128(tag || seed || u32le(row)), as int8, into out[0..n).
HD void derive_row(const Stream& stream, uint32_t row, int n, int8_t* out) {
  Sponge s(168);
  for (int i = 0; i < 17; ++i) s.absorb(stream.tag[i]);
  for (int i = 0; i < 32; ++i) s.absorb(stream.seed[i]);
  s.absorb_u32(row);
  s.finish(0x1F);
  for (int j = 0; j < n; ++j) out[j] = int8_t(s.squeeze());
}

// leaf_i = SHA3-256(0x00 || u32le(i) || row as n int32 little-endian)
HD void leaf_hash(uint32_t index, const int32_t* row, int n, uint8_t out[32]) {
  Sponge s(136);
  s.absorb(0x00);
  s.absorb_u32(index);
  for (int j = 0; j < n; ++j) s.absorb_u32(uint32_t(row[j]));
  s.finish(0x06);
  for (int i = 0; i < 32; ++i) out[i] = s.squeeze();
}

// node = SHA3-256(0x01 || left || right)
HD void node_hash(const uint8_t* left, const uint8_t* right, uint8_t out[32]) {
  Sponge s(136);
  s.absorb(0x01);
  for (int i = 0; i < 32; ++i) s.absorb(left[i]);
  for (int i = 0; i < 32; ++i) s.absorb(right[i]);
  s.finish(0x06);
  for (int i = 0; i < 32; ++i) out[i] = s.squeeze();
}

// Parent j of a level of `size` nodes: hash of the pair, or the odd last node moved up unchanged.
HD void tree_parent(const uint8_t* level, int size, int j, uint8_t* next) {
  if (2 * j + 1 < size) {
    node_hash(level + 64 * j, level + 64 * j + 32, next + 32 * j);
  } else {
    for (int i = 0; i < 32; ++i) next[32 * j + i] = level[64 * j + i];
  }
}

// ---- device kernels

__global__ void derive_kernel(Stream stream, int n, int ld, int8_t* out) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < n) derive_row(stream, uint32_t(row), n, out + size_t(row) * ld);
}

// C = A.B for ld x ld row-major int8 matrices, ld a multiple of 64. A block of 4 warps computes a 64 x 64 tile of C,
// each warp a 32 x 32 quarter (2 x 2 WMMA 16x16x16 fragments). Each k-step of 32 stages A[64 x 32] and B[32 x 64] in
// shared memory, split into 16-wide slabs so every fragment starts on a 256-bit boundary with a leading dimension of 16.
__global__ void matmul_kernel(const int8_t* a, const int8_t* b, int32_t* c, int ld) {
  using namespace nvcuda;
  __shared__ __align__(32) int8_t a_tile[2][64][16];  // [k slab][row][k]
  __shared__ __align__(32) int8_t b_tile[4][32][16];  // [column slab][k][column]
  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int row0 = blockIdx.y * 64;
  const int col0 = blockIdx.x * 64;
  const int warp_row = (warp / 2) * 32;
  const int warp_col = (warp % 2) * 32;

  wmma::fragment<wmma::accumulator, 16, 16, 16, int> acc[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0);

  for (int k0 = 0; k0 < ld; k0 += 32) {
    {  // 128 threads x 16 bytes = 2048 bytes per tile
      const int row = tid / 2, slab = tid % 2;
      *reinterpret_cast<int4*>(&a_tile[slab][row][0]) =
          *reinterpret_cast<const int4*>(a + size_t(row0 + row) * ld + k0 + 16 * slab);
      const int k = tid / 4, col_slab = tid % 4;
      *reinterpret_cast<int4*>(&b_tile[col_slab][k][0]) =
          *reinterpret_cast<const int4*>(b + size_t(k0 + k) * ld + col0 + 16 * col_slab);
    }
    __syncthreads();
    for (int slab = 0; slab < 2; ++slab) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, signed char, wmma::row_major> fa[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, signed char, wmma::row_major> fb[2];
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], &a_tile[slab][warp_row + 16 * i][0], 16);
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &b_tile[warp_col / 16 + j][16 * slab][0], 16);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      int32_t* tile = c + size_t(row0 + warp_row + 16 * i) * ld + col0 + warp_col + 16 * j;
      wmma::store_matrix_sync(tile, acc[i][j], ld, wmma::mem_row_major);
    }
}

__global__ void leaf_kernel(const int32_t* c, int n, int ld, uint8_t* leaves) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < n) leaf_hash(uint32_t(row), c + size_t(row) * ld, n, leaves + 32 * size_t(row));
}

__global__ void tree_kernel(const uint8_t* level, int size, uint8_t* next) {
  int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < (size + 1) / 2) tree_parent(level, size, j, next);
}

// y_i = sum_j C_ij * r_j in int64, one block of 256 threads per row.
__global__ void product_kernel(const int32_t* c, int n, int ld, const uint16_t* r, int64_t* y) {
  __shared__ int64_t partial[256];
  const int row = blockIdx.x;
  int64_t sum = 0;
  for (int j = threadIdx.x; j < n; j += blockDim.x) sum += int64_t(c[size_t(row) * ld + j]) * r[j];
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[row] = partial[0];
}

// ---- one challenge's product, on the device or (--host) on the CPU

static int tree_nodes(int n) {
  int total = 0;
  for (int size = n;; size = (size + 1) / 2) {
    total += size;
    if (size == 1) return total;
  }
}

struct Product {
  bool host;
  int n = 0, ld = 0;
  int8_t *a = nullptr, *b = nullptr;  // device (or host) ld x ld
  int32_t* c = nullptr;               // device (or host) ld x ld
  std::vector<uint8_t> nodes;         // the tree, leaves first, on the host

  explicit Product(bool on_host) : host(on_host) {}
  ~Product() { release(); }

  void release() {
    if (host) {
      free(a), free(b), free(c);
    } else {
      cudaFree(a), cudaFree(b), cudaFree(c);
    }
    a = b = nullptr;
    c = nullptr;
  }

  void* allocate(size_t bytes) {
    void* p = nullptr;
    if (host) {
      p = calloc(bytes, 1);
      if (!p) fail(1, "out of host memory", nullptr);
    } else {
      check(cudaMalloc(&p, bytes), "cudaMalloc");
      check(cudaMemset(p, 0, bytes), "cudaMemset");
    }
    return p;
  }

  void compute(const uint8_t seed[32], int size) {
    if (size < 1 || size > 65536) fail(1, "n must be in [1, 65536]", nullptr);
    release();
    n = size;
    ld = (n + 63) / 64 * 64;
    const size_t cells = size_t(ld) * ld;
    a = static_cast<int8_t*>(allocate(cells));
    b = static_cast<int8_t*>(allocate(cells));
    c = static_cast<int32_t*>(allocate(cells * sizeof(int32_t)));
    Stream sa, sb;
    memcpy(sa.tag, "cinder/pogpu/v1/A", 17);
    memcpy(sb.tag, "cinder/pogpu/v1/B", 17);
    memcpy(sa.seed, seed, 32);
    memcpy(sb.seed, seed, 32);
    nodes.assign(size_t(tree_nodes(n)) * 32, 0);
    if (host) {
      compute_host(sa, sb);
    } else {
      compute_device(sa, sb);
    }
  }

  void compute_device(const Stream& sa, const Stream& sb) {
    const int threads = 128;
    derive_kernel<<<(n + threads - 1) / threads, threads>>>(sa, n, ld, a);
    derive_kernel<<<(n + threads - 1) / threads, threads>>>(sb, n, ld, b);
    matmul_kernel<<<dim3(ld / 64, ld / 64), 128>>>(a, b, c, ld);
    uint8_t* tree = nullptr;
    check(cudaMalloc(&tree, nodes.size()), "cudaMalloc tree");
    leaf_kernel<<<(n + threads - 1) / threads, threads>>>(c, n, ld, tree);
    size_t offset = 0;
    for (int size = n; size > 1; size = (size + 1) / 2) {
      const int parents = (size + 1) / 2;
      tree_kernel<<<(parents + threads - 1) / threads, threads>>>(tree + offset, size, tree + offset + 32 * size_t(size));
      offset += 32 * size_t(size);
    }
    check(cudaGetLastError(), "kernel launch");
    check(cudaMemcpy(nodes.data(), tree, nodes.size(), cudaMemcpyDeviceToHost), "copying the tree");
    check(cudaFree(tree), "cudaFree tree");
  }

  void compute_host(const Stream& sa, const Stream& sb) {
    for (int i = 0; i < n; ++i) {
      derive_row(sa, uint32_t(i), n, a + size_t(i) * ld);
      derive_row(sb, uint32_t(i), n, b + size_t(i) * ld);
    }
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) {
        const int32_t aik = a[size_t(i) * ld + k];
        for (int j = 0; j < n; ++j) c[size_t(i) * ld + j] += aik * b[size_t(k) * ld + j];
      }
    for (int i = 0; i < n; ++i) leaf_hash(uint32_t(i), c + size_t(i) * ld, n, nodes.data() + 32 * size_t(i));
    size_t offset = 0;
    for (int size = n; size > 1; size = (size + 1) / 2) {
      for (int j = 0; j < (size + 1) / 2; ++j) tree_parent(nodes.data() + offset, size, j, nodes.data() + offset + 32 * size_t(size));
      offset += 32 * size_t(size);
    }
  }

  void product(const std::vector<uint16_t>& r, std::vector<int64_t>& y) {
    if (host) {
      for (int i = 0; i < n; ++i) {
        int64_t sum = 0;
        for (int j = 0; j < n; ++j) sum += int64_t(c[size_t(i) * ld + j]) * r[j];
        y[i] = sum;
      }
      return;
    }
    uint16_t* dr = nullptr;
    int64_t* dy = nullptr;
    check(cudaMalloc(&dr, n * sizeof(uint16_t)), "cudaMalloc r");
    check(cudaMalloc(&dy, n * sizeof(int64_t)), "cudaMalloc y");
    check(cudaMemcpy(dr, r.data(), n * sizeof(uint16_t), cudaMemcpyHostToDevice), "copying r");
    product_kernel<<<n, 256>>>(c, n, ld, dr, dy);
    check(cudaGetLastError(), "product kernel");
    check(cudaMemcpy(y.data(), dy, n * sizeof(int64_t), cudaMemcpyDeviceToHost), "copying y");
    cudaFree(dr);
    cudaFree(dy);
  }

  void row(uint32_t i, std::vector<int32_t>& out) {
    if (host) {
      memcpy(out.data(), c + size_t(i) * ld, n * sizeof(int32_t));
    } else {
      check(cudaMemcpy(out.data(), c + size_t(i) * ld, n * sizeof(int32_t), cudaMemcpyDeviceToHost), "copying a row");
    }
  }
};

// ---- stdin/stdout (this assumes a little-endian host, as every CUDA host is)

static bool read_exact(void* buffer, size_t bytes) { return fread(buffer, 1, bytes, stdin) == bytes; }

static void write_exact(const void* buffer, size_t bytes) {
  if (fwrite(buffer, 1, bytes, stdout) != bytes || fflush(stdout) != 0) fail(1, "writing to stdout", nullptr);
}

int main(int argc, char** argv) {
  const bool host = argc > 1 && strcmp(argv[1], "--host") == 0;
  if (!host) {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) fail(2, "no CUDA device", nullptr);
    check(cudaFree(nullptr), "initialising the CUDA context");
  }
  write_exact("CND1", 4);
  Product product(host);
  std::vector<int64_t> y;
  std::vector<int32_t> row;
  for (int op; (op = getchar()) != EOF;) {
    if (op == 'C') {
      uint8_t header[36];
      if (!read_exact(header, sizeof header)) fail(1, "input ended inside 'C'", nullptr);
      uint32_t n;
      memcpy(&n, header + 32, 4);
      product.compute(header, int(n));
      write_exact(product.nodes.data(), product.nodes.size());
    } else if (op == 'Y' && product.n > 0) {
      std::vector<uint16_t> r(product.n);
      if (!read_exact(r.data(), r.size() * sizeof(uint16_t))) fail(1, "input ended inside 'Y'", nullptr);
      y.assign(product.n, 0);
      product.product(r, y);
      write_exact(y.data(), y.size() * sizeof(int64_t));
    } else if (op == 'R' && product.n > 0) {
      uint32_t i;
      if (!read_exact(&i, 4)) fail(1, "input ended inside 'R'", nullptr);
      if (i >= uint32_t(product.n)) fail(1, "row index out of range", nullptr);
      row.assign(product.n, 0);
      product.row(i, row);
      write_exact(row.data(), row.size() * sizeof(int32_t));
    } else {
      fail(1, "unexpected op (or 'Y'/'R' before any 'C')", nullptr);
    }
  }
  return 0;
}
