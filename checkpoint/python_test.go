package checkpoint

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// readerPy reads a checkpoint with nothing but Python's json and struct
// modules, as an outside reader would: it unpacks every tensor, recomputes
// the CRC-32C from the package documentation's definition, and re-serialises
// the header with json.dumps to check the documented canonical form.
const readerPy = `
import json, struct, sys

def crc32c(data):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack_from("<Q", raw, 0)
header_bytes = raw[8:8 + n]
header = json.loads(header_bytes)
buf = raw[8 + n:]
meta = header.pop("__metadata__")

canon = json.dumps(dict(header, __metadata__=meta), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
canon_ok = header_bytes == canon + b" " * ((-(8 + len(canon))) % 8)

needle = b'"crc32c":"' + meta["crc32c"].encode() + b'"'
at = 8 + header_bytes.index(needle) + len(b'"crc32c":"')
zeroed = raw[:at] + b"00000000" + raw[at + 8:]
crc_ok = "%08x" % crc32c(zeroed) == meta["crc32c"]

fmt = {"F64": "d", "F32": "f", "I64": "q", "U8": "B"}
size = {"F64": 8, "F32": 4, "I64": 8, "U8": 1}
tensors = {}
for name, t in header.items():
    begin, end = t["data_offsets"]
    count = (end - begin) // size[t["dtype"]]
    values = list(struct.unpack_from("<%d%s" % (count, fmt[t["dtype"]]), buf, begin))
    tensors[name] = {"dtype": t["dtype"], "shape": t["shape"], "values": values}
json.dump({"meta": meta, "tensors": tensors, "crc_ok": crc_ok, "canonical_ok": canon_ok}, sys.stdout)
`

// TestPythonReads has Python read a posterior written by Go and compares
// every value it prints with what Go wrote. It is skipped without python3.
func TestPythonReads(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	f := &File{Kind: KindPosterior, Meta: Meta{
		KeyAlgorithm: "vogn",
		KeyFamily:    "diag-gaussian",
		KeyDataSize:  "60000",
		"note":       "quote \" backslash \\ tab \t nul \x00 del \x7f λ→∞ 😀 <&> \u2028",
	}, Tensors: []Tensor{
		NewFloat64("mean", []float64{0.1, -2.5e-300, 1e300, math.Copysign(0, -1), 1.0 / 3}),
		NewFloat64("precision", []float64{1, 2, 3, 4, 5}),
		NewFloat32("mean32", []float32{0.1, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32}, 2, 2),
		NewInt64("counts", []int64{math.MinInt64, -1, 0, math.MaxInt64}),
		NewUint8("mask", []byte{0, 1, 255}),
	}}
	path := filepath.Join(t.TempDir(), "posterior.safetensors")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "reader.py")
	if err := os.WriteFile(script, []byte(readerPy), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, path).Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	var got struct {
		Meta    map[string]string
		Tensors map[string]struct {
			DType  string
			Shape  []int
			Values []json.Number
		}
		CRCOK       bool `json:"crc_ok"`
		CanonicalOK bool `json:"canonical_ok"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if !got.CRCOK {
		t.Errorf("Python's CRC-32C, computed as documented, does not match")
	}
	if !got.CanonicalOK {
		t.Errorf("json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False) gives another header")
	}
	for k, v := range f.Meta {
		if got.Meta[k] != v {
			t.Errorf("Python reads metadata %q as %q, want %q", k, got.Meta[k], v)
		}
	}
	if got.Meta["format"] != "blr" || got.Meta["version"] != "1" || got.Meta["kind"] != KindPosterior {
		t.Errorf("reserved metadata %v", got.Meta)
	}
	if len(got.Tensors) != len(f.Tensors) {
		t.Errorf("Python sees %d tensors, want %d", len(got.Tensors), len(f.Tensors))
	}
	for _, want := range f.Tensors {
		g, ok := got.Tensors[want.Name]
		if !ok {
			t.Errorf("Python does not see %q", want.Name)
			continue
		}
		if g.DType != string(want.DType) || !slices.Equal(g.Shape, want.Shape) || len(g.Values) != want.dataLen() {
			t.Errorf("%q: Python sees %s %v with %d values", want.Name, g.DType, g.Shape, len(g.Values))
			continue
		}
		for i, s := range g.Values {
			// Python prints floats in the shortest form that reads back
			// exactly, so the parsed value must have the same bits.
			var same bool
			switch want.DType {
			case F64:
				v, err := s.Float64()
				same = err == nil && math.Float64bits(v) == math.Float64bits(want.F64[i])
			case F32:
				v, err := s.Float64()
				same = err == nil && math.Float32bits(float32(v)) == math.Float32bits(want.F32[i]) && float64(float32(v)) == v
			case I64:
				v, err := s.Int64()
				same = err == nil && v == want.I64[i]
			case U8:
				v, err := s.Int64()
				same = err == nil && v == int64(want.U8[i])
			}
			if !same {
				t.Errorf("%q[%d]: Python reads %s", want.Name, i, s)
			}
		}
	}
}
