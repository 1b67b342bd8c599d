#!/usr/bin/env python3
"""Cinder proof-of-GPU worker on PyTorch: the prover's side of the matrix-product challenge.

Spec: src/oracle/challenge/prng.ts (A and B from the seed) and matmul.ts (C = A.B, the tree over C's rows).
Protocol on stdin/stdout, the same as native/cuda/matmul_int8.cu (integers little-endian):
  worker -> b"CND1" once CUDA is initialised
  b"C" seed[32] u32 n  -> every tree node, leaves first, 32 bytes each
  b"Y" n x u16 (r)     -> n x i64: C.r for the last C
  b"R" u32 i           -> n x i32: row i of that C
  end of stdin         -> exit 0; exit 2 without a CUDA device, 1 on any other failure (reason on stderr)

The product runs on the GPU: torch._int_mm (int8 in, int32 out) where its shape rules allow, else float64 matmul,
which is exact here because every partial sum is an integer of magnitude at most n * 2^14 <= 2^30 < 2^53.
A and B are derived and C's rows hashed on the host with hashlib (SHAKE128, SHA3-256), so this worker is for bring-up
and cross-checking; at production sizes only the CUDA worker, which does everything on the device, meets the deadlines.
Needs PyTorch with CUDA and NumPy.
"""
import hashlib
import struct
import sys

import numpy as np
import torch

TAG_A = b"cinder/pogpu/v1/A"
TAG_B = b"cinder/pogpu/v1/B"


def derive(tag: bytes, seed: bytes, n: int) -> np.ndarray:
    """Row i: the first n bytes of SHAKE128(tag || seed || u32le(i)), as int8."""
    rows = b"".join(hashlib.shake_128(tag + seed + struct.pack("<I", i)).digest(n) for i in range(n))
    return np.frombuffer(rows, dtype=np.int8).reshape(n, n)


def multiply(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    n = a.shape[0]
    if hasattr(torch, "_int_mm") and n > 16 and n % 8 == 0:
        try:
            return torch._int_mm(a, b)
        except RuntimeError:  # no int8 GEMM for this GPU or build: the float64 path below is exact too
            pass
    return (a.to(torch.float64) @ b.to(torch.float64)).to(torch.int32)


def tree(c: np.ndarray) -> bytes:
    """Every node, leaves first: leaf_i = SHA3-256(0x00 || u32le(i) || row_i), node = SHA3-256(0x01 || l || r)."""
    rows = c.astype("<i4", copy=False)
    level = [hashlib.sha3_256(b"\x00" + struct.pack("<I", i) + rows[i].tobytes()).digest() for i in range(len(rows))]
    out = list(level)
    while len(level) > 1:
        nxt = [hashlib.sha3_256(b"\x01" + level[j] + level[j + 1]).digest() for j in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        out.extend(nxt)
        level = nxt
    return b"".join(out)


def read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        sys.exit("matmul_int8.py: input ended inside an argument")
    return data


def main() -> None:
    if not torch.cuda.is_available():
        print("matmul_int8.py: no CUDA device", file=sys.stderr)
        sys.exit(2)
    device = torch.device("cuda")
    torch.zeros(1, device=device)  # initialise the context before the first challenge
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(b"CND1")
    stdout.flush()
    c_gpu = None
    while op := stdin.read(1):
        if op == b"C":
            header = read_exact(stdin, 36)
            seed, n = header[:32], struct.unpack("<I", header[32:])[0]
            if not 1 <= n <= 65536:
                sys.exit(f"matmul_int8.py: n must be in [1, 65536], got {n}")
            a = torch.from_numpy(derive(TAG_A, seed, n).copy()).to(device)
            b = torch.from_numpy(derive(TAG_B, seed, n).copy()).to(device)
            c_gpu = multiply(a, b)
            stdout.write(tree(c_gpu.cpu().numpy()))
        elif op == b"Y" and c_gpu is not None:
            n = c_gpu.shape[0]
            r = np.frombuffer(read_exact(stdin, 2 * n), dtype="<u2").astype(np.int64)
            r_gpu = torch.from_numpy(r).to(device)
            # int64 is exact: |y_i| <= n * 2^30 * (2^16 - 1) < 2^62. Row blocks bound the int64 temporary.
            y = torch.cat([(c_gpu[i : i + 1024].to(torch.int64) * r_gpu).sum(dim=1) for i in range(0, n, 1024)])
            stdout.write(y.cpu().numpy().astype("<i8").tobytes())
        elif op == b"R" and c_gpu is not None:
            i = struct.unpack("<I", read_exact(stdin, 4))[0]
            if i >= c_gpu.shape[0]:
                sys.exit(f"matmul_int8.py: row {i} out of range")
            stdout.write(c_gpu[i].cpu().numpy().astype("<i4").tobytes())
        else:
            sys.exit(f"matmul_int8.py: unexpected op {op!r} (or Y/R before any C)")
        stdout.flush()


if __name__ == "__main__":
    main()
