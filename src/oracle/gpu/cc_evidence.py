#!/usr/bin/env python3
"""Prints one GPU's confidential-computing evidence as JSON, for NvidiaSmiBackend's `ccCommand`.

    python3 cc_evidence.py --nonce <64 hex digits> --gpu <index>

stdout, exit 0:  {"report": "<hex of the SPDM request || response>", "certChainPem": "<device chain, leaf first>"}
stdout, exit 3:  {"error": {"code": "cc-unsupported", "message": "..."}}   (no pynvml, no NVML CC API, CC mode off)
stdout, exit 1:  {"error": {"code": "cc-failed", "message": "..."}}        (NVML failed while producing evidence)

It calls NVML through pynvml (`pip install nvidia-ml-py`): nvmlDeviceGetConfComputeGpuAttestationReport with the
nonce, and nvmlDeviceGetConfComputeGpuCertificate for the attestation certificate chain, as NVIDIA's nvTrust local
verifier does. Hopper or later, driver 535 or later, with the GPU in CC mode. Nothing here needs the network.
"""
import argparse
import ctypes
import json
import sys


def fail(code, message, status):
    print(json.dumps({"error": {"code": code, "message": message}}))
    sys.exit(status)


def raw_bytes(array, size):
    return bytes(bytearray(array)[: int(size)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nonce", required=True, help="32-byte nonce, 64 hex digits")
    parser.add_argument("--gpu", required=True, type=int, help="GPU index as nvidia-smi lists it")
    args = parser.parse_args()
    try:
        nonce = bytes.fromhex(args.nonce)
    except ValueError:
        fail("cc-failed", "--nonce is not hex", 2)
    if len(nonce) != 32:
        fail("cc-failed", "--nonce must be 32 bytes", 2)

    try:
        import pynvml
    except ImportError:
        fail("cc-unsupported", "pynvml is not installed (pip install nvidia-ml-py)", 3)
    for name in ("nvmlDeviceGetConfComputeGpuAttestationReport", "nvmlDeviceGetConfComputeGpuCertificate"):
        if not hasattr(pynvml, name):
            fail("cc-unsupported", "this pynvml has no %s (needs nvidia-ml-py 12.535 or later)" % name, 3)

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as error:
        fail("cc-failed", "NVML init failed: %s" % error, 1)
    try:
        if hasattr(pynvml, "nvmlSystemGetConfComputeState"):
            state = pynvml.nvmlSystemGetConfComputeState()
            if getattr(state, "ccFeature", 0) == 0:
                fail("cc-unsupported", "confidential computing is off on this host (ccFeature disabled)", 3)
        handle = pynvml.nvmlDeviceGetHandleByIndex(args.gpu)
        try:
            report = pynvml.nvmlDeviceGetConfComputeGpuAttestationReport(handle, nonce)
        except TypeError:
            # Older bindings take the struct, with the nonce already in it.
            report = pynvml.c_nvmlConfComputeGpuAttestationReport_t()
            report.nonce = (ctypes.c_uint8 * 32)(*nonce)
            pynvml.nvmlDeviceGetConfComputeGpuAttestationReport(handle, report)
        certificate = pynvml.nvmlDeviceGetConfComputeGpuCertificate(handle)
        report_bytes = raw_bytes(report.attestationReport, report.attestationReportSize)
        chain = raw_bytes(certificate.attestationCertChain, certificate.attestationCertChainSize)
    except pynvml.NVMLError as error:
        text = str(error)
        code = "cc-unsupported" if "Not Supported" in text or "not supported" in text else "cc-failed"
        fail(code, "NVML: %s" % text, 3 if code == "cc-unsupported" else 1)
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    print(json.dumps({"report": report_bytes.hex(), "certChainPem": chain.decode("ascii", "replace")}))


if __name__ == "__main__":
    main()
