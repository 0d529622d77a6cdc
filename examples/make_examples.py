#!/usr/bin/env python3
"""Write the demo artifacts for `airlock scan examples/` (Python standard library only).

Usage:  python3 examples/make_examples.py [OUT_DIR]   (default: the folder of this script)

Every file is built byte by byte or with pickle.dumps of a tiny class whose __reduce__ names the
target; nothing here is ever unpickled or loaded. Payloads only run `echo`, so even a careless
`torch.load` of a malicious example would print a line and nothing more. The output is
byte-identical between runs.

  benign/state_dict.pt          PyTorch zip checkpoint: OrderedDict of _rebuild_tensor_v2 tensors
  benign/weights.safetensors    one F32 tensor
  benign/array.npy              float32 array
  benign/estimator.pkl          scikit-learn-style NEWOBJ + BUILD state
  malicious/pytorch_model.bin   raw pickle: posix.system('echo airlock-demo') via REDUCE
  malicious/renamed_member.pt   PyTorch zip whose local header names archive/datap.kl while the
                                central directory says archive/data.pkl (CVE-2025-1944 shape)
  malicious/broken.pkl          os.system REDUCE, then invalid bytes and no STOP (nullifAI shape)
  malicious/memo_stack_global.pkl  module and name fetched from the memo for STACK_GLOBAL
  malicious/nested_loads.pkl    _pickle.loads(b'...') whose inner pickle calls os.system
  malicious/model.joblib        zlib-compressed pickle (joblib's format) calling os.system
  malicious/weights.safetensors a pickle under a safetensors name
"""
import io
import os
import pickle
import struct
import sys
import zipfile
import zlib

CMD = "echo airlock-demo"


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def system_pickle(proto=2):
    return pickle.dumps(Reduce(os.system, (CMD,)), protocol=proto)


def zw(z, name, data):
    zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    zi.external_attr = 0o644 << 16
    z.writestr(zi, data)


def torch_zip(data_pkl):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        zw(z, "archive/data.pkl", data_pkl)
        zw(z, "archive/byteorder", b"little")
        zw(z, "archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        zw(z, "archive/version", b"3\n")
    return buf.getvalue()


def state_dict_pickle():
    # OrderedDict([('weight', _rebuild_tensor_v2(persistent_load(('storage', FloatStorage, '0',
    # 'cpu', 4)), 0, (4,), (1,), False, OrderedDict()))]), written opcode by opcode.
    b = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x06\x00\x00\x00weightq\x02"
    b += b"ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04"
    b += b"ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ"
    b += b"K\x00K\x04\x85K\x01\x85\x89h\x00)RtRq\x06s."
    return b


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    files = {}
    files["benign/state_dict.pt"] = torch_zip(state_dict_pickle())
    header = b'{"weight":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}'
    header += b" " * ((8 - len(header) % 8) % 8)
    files["benign/weights.safetensors"] = struct.pack("<Q", len(header)) + header + struct.pack("<4f", 1, 2, 3, 4)
    hdr = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
    hdr += b" " * (64 - (10 + len(hdr) + 1) % 64) + b"\n"
    files["benign/array.npy"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + struct.pack("<4f", 1, 2, 3, 4)
    files["benign/estimator.pkl"] = (
        b"\x80\x04\x8c\x1esklearn.linear_model._logistic\x94\x8c\x12LogisticRegression\x94\x93\x94)\x81\x94"
        b"}\x94(\x8c\x07penalty\x94\x8c\x02l2\x94\x8c\x01C\x94G?\xf0\x00\x00\x00\x00\x00\x00ub."
    )
    files["malicious/pytorch_model.bin"] = system_pickle(2)
    good = torch_zip(system_pickle(2))
    i = good.index(b"archive/data.pkl")
    files["malicious/renamed_member.pt"] = good[:i] + b"archive/datap.kl" + good[i + 16:]
    files["malicious/broken.pkl"] = system_pickle(2)[:-1] + b"\xff\xfe no STOP"
    memo = b"\x80\x04}\x8c\x01m\x8c\x05posixq\x01s\x8c\x01f\x8c\x06systemq\x02s0h\x01h\x02\x93"
    memo += b"\x8c" + bytes([len(CMD)]) + CMD.encode() + b"\x85R."
    files["malicious/memo_stack_global.pkl"] = memo
    inner = system_pickle(2)
    files["malicious/nested_loads.pkl"] = (
        b"\x80\x04\x8c\x07_pickle\x8c\x05loads\x93C" + bytes([len(inner)]) + inner + b"\x85R."
    )
    files["malicious/model.joblib"] = zlib.compress(system_pickle(4))
    files["malicious/weights.safetensors"] = system_pickle(4)
    for name, data in files.items():
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    main()
