#!/usr/bin/env bash
# Regenerates the simulation CA of SimulatedBackend's fresh CC evidence (see NOTICE.md). Run from this folder:
#   bash generate.sh && mv simulated_device_root.pem ../../../cc/roots/
# then update SIMULATED_DEVICE_ROOT_FINGERPRINT256 in src/oracle/cc/verify.ts. The root's and the device identities'
# private keys exist only in a temporary folder while this runs: nobody can mint another simulated GPU afterwards.
set -euo pipefail
GPUS=${GPUS:-2}
# The FWID the leaves certify: the one NVIDIA's H100 sample report (../cc) carries, which the simulated reports keep.
FWID=f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d
# tcg-dice-TcbInfo: SEQUENCE { [6] fwids SEQUENCE { SEQUENCE { sha384, OCTET STRING (48) } } }
TCB="DER:3041a63f303d0609608648016503040202"0430"$FWID"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/ext.cnf" <<CNF
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[device]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
2.23.133.5.4.1 = $TCB
CNF
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/root.key"
openssl req -new -x509 -sha384 -key "$tmp/root.key" -days 36500 -set_serial 1 \
  -subj "/O=Cinder simulation (TEST ONLY, not NVIDIA)/CN=Cinder Simulated Device Identity CA" \
  -extensions root -config <(cat /etc/ssl/openssl.cnf "$tmp/ext.cnf") -out simulated_device_root.pem
for i in $(seq 0 $((GPUS - 1))); do
  openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/device$i.key"
  openssl req -new -sha384 -key "$tmp/device$i.key" -subj "/O=Cinder simulation (TEST ONLY)/CN=GH100 A01 GSP BROM" -out "$tmp/device$i.csr"
  openssl x509 -req -sha384 -in "$tmp/device$i.csr" -CA simulated_device_root.pem -CAkey "$tmp/root.key" -set_serial "0x5$(openssl rand -hex 8)" \
    -days 36500 -extfile "$tmp/ext.cnf" -extensions device -out "$tmp/device$i.pem"
  openssl ecparam -name secp384r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "gpu$i-attestation-key.pem"
  openssl req -new -sha384 -key "gpu$i-attestation-key.pem" -subj "/O=Cinder simulation (TEST ONLY)/CN=GH100 A01 GSP FMC LF" -out "$tmp/leaf$i.csr"
  openssl x509 -req -sha384 -in "$tmp/leaf$i.csr" -CA "$tmp/device$i.pem" -CAkey "$tmp/device$i.key" -set_serial "0x6$(openssl rand -hex 8)" \
    -days 36500 -extfile "$tmp/ext.cnf" -extensions leaf -out "$tmp/leaf$i.pem"
  cat "$tmp/leaf$i.pem" "$tmp/device$i.pem" > "gpu$i-chain.pem"
done
openssl x509 -in simulated_device_root.pem -noout -fingerprint -sha256
