// Package checkpoint reads and writes blr checkpoints: plain safetensors files
// (https://huggingface.co/docs/safetensors) that any safetensors reader can
// open, carrying a checksum, a format version and the run's state (step
// count, generator state, data-loader position) in the header's
// "__metadata__". [WriteFile] replaces a checkpoint atomically, so a crash
// leaves the old file or the new one, never a mixture.
//
// # Layout
//
// A file is
//
//	[8 bytes]  N, the header length, an unsigned little-endian 64-bit integer
//	[N bytes]  the header: a JSON object, padded with spaces (0x20)
//	[rest]     the data buffer: every tensor's bytes, little-endian
//
// The header maps each tensor name to
//
//	{"data_offsets":[BEGIN,END],"dtype":"F64","shape":[D0,D1,...]}
//
// where BEGIN and END are byte offsets relative to the start of the data
// buffer, and maps the key "__metadata__" to an object of strings. The dtypes
// are F64, F32, I64 and U8 ([DType]). Tensors are packed in the order of
// their names (byte-wise, which is code-point order), with no gaps, starting
// at offset 0; the last one ends at the end of the file. A tensor of shape
// [D0,...,Dk] holds D0·…·Dk elements in row-major order; shape [] is a scalar.
// Offsets of 8-byte dtypes need not be multiples of 8.
//
// The metadata holds four reserved keys, written by [Encode] and checked by
// [Decode]:
//
//	"format":  "blr"
//	"version": "1"
//	"kind":    "posterior" or "training-state" (File.Kind)
//	"crc32c":  the checksum, eight lower-case hexadecimal digits
//
// and the caller's own keys ([Meta]); [KeyAlgorithm], [KeyStep] and the other
// Key constants name the conventional ones.
//
// # Canonical form
//
// The header is canonical JSON: keys sorted byte-wise at every level, no
// whitespace, integers in decimal without leading zeros, and strings written
// as raw UTF-8 except for the escapes \" \\ \b \f \n \r \t and \u00XX
// (lower-case hex) for the other control characters below U+0020. (This is
// what Python's json.dumps(h, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) writes.) The JSON is followed by the fewest spaces
// that make 8+N a multiple of 8, so the data buffer is 8-byte aligned. The
// same [File] therefore always gives the same bytes: a checkpoint holds no
// paths and no timestamps, and save → load → save is byte-identical.
// [Decode] accepts only canonical headers, so any file it accepts re-encodes
// to exactly its own bytes.
//
// # Checksum
//
// The "crc32c" value is the CRC-32C (Castagnoli polynomial, as in
// [hash/crc32.Castagnoli]) of the whole file, length prefix, header and data,
// computed with the eight hex digits of the crc32c value itself replaced by
// eight ASCII '0' characters. A reader verifies it by reading the value,
// overwriting those eight bytes with "00000000" and hashing the file. A
// CRC-32C detects every single-bit error and every burst of up to 32 bits.
//
// # Loading
//
// [Decode] checks, in this order, and stops at the first failure:
//
//  1. the file holds at least the 8-byte length ([ErrTruncated]);
//  2. N ≤ [MaxHeaderSize] ([ErrHeader]) and N ≤ file size − 8
//     ([ErrTruncated]), before anything is allocated;
//  3. the header is a JSON object of the shape above: strings are valid
//     UTF-8, no key appears twice, no unknown fields, dtypes are known,
//     shapes and offsets are non-negative integers ([ErrHeader]);
//  4. each tensor's element count × dtype size equals END − BEGIN (with no
//     overflow), the tensors are contiguous in name order from offset 0
//     ([ErrHeader]), and the data buffer is exactly as long as they say:
//     shorter is [ErrTruncated], longer (an unindexed trailer) is
//     [ErrHeader];
//  5. the header is canonical ([ErrHeader]);
//  6. format is "blr" ([ErrFormat]), the version is supported ([ErrVersion]),
//     kind is known ([ErrFormat]);
//  7. the checksum is present and well formed, and matches ([ErrChecksum]);
//  8. every F32 and F64 value is finite ([ErrNonFinite]).
//
// Every failure is a [*DecodeError] that wraps one of these values, so
// errors.Is works; [ReadFile] adds the path with an [*fs.PathError]. Nothing
// in a file's bytes can make Decode panic. It never allocates by a declared
// length: all it allocates is proportional to the bytes it has, at most
// about 16 times the file's size (for a header of many tiny tensors).
//
// The typed accessors ([File.Float64] and friends) then check each tensor
// against what the model expects: [ErrMissing], [ErrDType], [ErrShape], as
// a [*MismatchError].
//
// # Atomic replacement
//
// [WriteFile] writes a temporary file "NAME.tmp-RANDOM" in the destination's
// directory, syncs and closes it, renames it over the destination, and syncs
// the directory. On any error before the rename it removes the temporary
// file and leaves the destination untouched. A process killed part-way may
// leave a stray "NAME.tmp-*" file; readers ignore it, and it may be deleted.
// Renames are atomic on local POSIX file systems, not on every network file
// system.
package checkpoint
