//go:build amd64 && !purego

#include "textflag.h"

// One step of tile6x16: row t of B (16 values at BX + 4·off[t]) in Y12, Y13;
// the six values of column t of the A panel broadcast in turn; twelve
// accumulators Y0–Y11 (row r in Y(2r), Y(2r+1)).
#define T_STEP \
	MOVLQSX      (SI), R11              \
	VMOVUPS      (BX)(R11*4), Y12       \
	VMOVUPS      32(BX)(R11*4), Y13     \
	VBROADCASTSS (AX), Y14              \
	VFMADD231PS  Y12, Y14, Y0           \
	VFMADD231PS  Y13, Y14, Y1           \
	VBROADCASTSS 4(AX), Y15             \
	VFMADD231PS  Y12, Y15, Y2           \
	VFMADD231PS  Y13, Y15, Y3           \
	VBROADCASTSS 8(AX), Y14             \
	VFMADD231PS  Y12, Y14, Y4           \
	VFMADD231PS  Y13, Y14, Y5           \
	VBROADCASTSS 12(AX), Y15            \
	VFMADD231PS  Y12, Y15, Y6           \
	VFMADD231PS  Y13, Y15, Y7           \
	VBROADCASTSS 16(AX), Y14            \
	VFMADD231PS  Y12, Y14, Y8           \
	VFMADD231PS  Y13, Y14, Y9           \
	VBROADCASTSS 20(AX), Y15            \
	VFMADD231PS  Y12, Y15, Y10          \
	VFMADD231PS  Y13, Y15, Y11          \
	ADDQ         $24, AX                \
	ADDQ         $4, SI

// Rows of tile6x16: s (mode 0), s + bias[r] (mode 1) or s + c (mode 2),
// stored whole (W) or under the mask Y12, Y13 (M); each stops after the
// last row.
#define T_S_W(lo, hi) \
	VMOVUPS lo, (DI)   \
	VMOVUPS hi, 32(DI) \
	ADDQ    DX, DI     \
	DECQ    R10        \
	JEQ     tdone

#define T_S_M(lo, hi) \
	VMASKMOVPS lo, Y12, (DI)   \
	VMASKMOVPS hi, Y13, 32(DI) \
	ADDQ       DX, DI          \
	DECQ       R10             \
	JEQ        tdone

#define T_B_W(lo, hi, boff) \
	VBROADCASTSS boff(R8), Y14 \
	VADDPS       Y14, lo, lo   \
	VADDPS       Y14, hi, hi   \
	T_S_W(lo, hi)

#define T_B_M(lo, hi, boff) \
	VBROADCASTSS boff(R8), Y14 \
	VADDPS       Y14, lo, lo   \
	VADDPS       Y14, hi, hi   \
	T_S_M(lo, hi)

#define T_A_W(lo, hi) \
	VADDPS (DI), lo, lo     \
	VADDPS 32(DI), hi, hi   \
	T_S_W(lo, hi)

#define T_A_M(lo, hi) \
	VMASKMOVPS (DI), Y12, Y14   \
	VADDPS     Y14, lo, lo      \
	VMASKMOVPS 32(DI), Y13, Y15 \
	VADDPS     Y15, hi, hi      \
	T_S_M(lo, hi)

// func tile6x16(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, nt int, mask *int32, rows, mode int)
// The tiles go left to right: B and C move by 16 values; the last tile is
// stored under the mask unless mask is nil, the others whole.
TEXT ·tile6x16(SB), NOSPLIT, $0-88
	MOVQ b+16(FP), BX
	MOVQ c+32(FP), R13
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	MOVQ bias+48(FP), R8
	MOVQ nt+56(FP), R14

ttile:
	MOVQ a+8(FP), AX
	MOVQ off+24(FP), SI
	MOVQ k+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ CX, R12
	SHRQ $1, R12
	ANDQ $1, CX
	TESTQ R12, R12
	JEQ  ttail

tloop2:
	T_STEP
	T_STEP
	DECQ R12
	JNE  tloop2

ttail:
	TESTQ CX, CX
	JEQ   tstore
	T_STEP

tstore:
	MOVQ    R13, DI
	MOVQ    rows+72(FP), R10
	MOVQ    mode+80(FP), R11
	CMPQ    R14, $1
	JNE     twhole
	MOVQ    mask+64(FP), R9
	TESTQ   R9, R9
	JEQ     twhole
	VMOVUPS (R9), Y12
	VMOVUPS 32(R9), Y13
	CMPQ    R11, $1
	JEQ     tbm
	JGT     tam
	T_S_M(Y0, Y1)
	T_S_M(Y2, Y3)
	T_S_M(Y4, Y5)
	T_S_M(Y6, Y7)
	T_S_M(Y8, Y9)
	T_S_M(Y10, Y11)
	JMP tdone

tbm:
	T_B_M(Y0, Y1, 0)
	T_B_M(Y2, Y3, 4)
	T_B_M(Y4, Y5, 8)
	T_B_M(Y6, Y7, 12)
	T_B_M(Y8, Y9, 16)
	T_B_M(Y10, Y11, 20)
	JMP tdone

tam:
	T_A_M(Y0, Y1)
	T_A_M(Y2, Y3)
	T_A_M(Y4, Y5)
	T_A_M(Y6, Y7)
	T_A_M(Y8, Y9)
	T_A_M(Y10, Y11)
	JMP tdone

twhole:
	CMPQ R11, $1
	JEQ  tbw
	JGT  taw
	T_S_W(Y0, Y1)
	T_S_W(Y2, Y3)
	T_S_W(Y4, Y5)
	T_S_W(Y6, Y7)
	T_S_W(Y8, Y9)
	T_S_W(Y10, Y11)
	JMP tdone

tbw:
	T_B_W(Y0, Y1, 0)
	T_B_W(Y2, Y3, 4)
	T_B_W(Y4, Y5, 8)
	T_B_W(Y6, Y7, 12)
	T_B_W(Y8, Y9, 16)
	T_B_W(Y10, Y11, 20)
	JMP tdone

taw:
	T_A_W(Y0, Y1)
	T_A_W(Y2, Y3)
	T_A_W(Y4, Y5)
	T_A_W(Y6, Y7)
	T_A_W(Y8, Y9)
	T_A_W(Y10, Y11)
	JMP tdone

tdone:
	ADDQ $64, BX
	ADDQ $64, R13
	DECQ R14
	JNE  ttile
	VZEROUPPER
	RET

// func wdot32x4x3(nex, kv int, a *float32, lda, astr int, b *float32, o *int32, bstr int, acc *float32)
// Accumulators Y0–Y11 (block (r, q) in Y(3r+q)) are loaded from acc and
// stored back; rows of B in Y12–Y14, rows of A in Y15 in turn.
TEXT ·wdot32x4x3(SB), NOSPLIT, $0-72
	MOVQ nex+0(FP), DX
	MOVQ a+16(FP), R8
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ astr+32(FP), R11
	SHLQ $2, R11
	MOVQ b+40(FP), R10
	MOVQ bstr+56(FP), BX
	SHLQ $2, BX
	MOVQ acc+64(FP), DI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	VMOVUPS 256(DI), Y8
	VMOVUPS 288(DI), Y9
	VMOVUPS 320(DI), Y10
	VMOVUPS 352(DI), Y11

w43n:
	MOVQ    o+48(FP), R12
	MOVLQSX 4(R12), R13
	MOVLQSX 8(R12), R14
	MOVLQSX (R12), R12
	LEAQ    (R10)(R12*4), R12
	LEAQ    (R10)(R13*4), R13
	LEAQ    (R10)(R14*4), R14
	MOVQ    R8, AX
	LEAQ    (AX)(R9*2), SI
	ADDQ    R9, SI
	MOVQ    kv+8(FP), CX

w43v:
	VMOVUPS     (R12), Y12
	VMOVUPS     (R13), Y13
	VMOVUPS     (R14), Y14
	VMOVUPS     (AX), Y15
	VFMADD231PS Y12, Y15, Y0
	VFMADD231PS Y13, Y15, Y1
	VFMADD231PS Y14, Y15, Y2
	VMOVUPS     (AX)(R9*1), Y15
	VFMADD231PS Y12, Y15, Y3
	VFMADD231PS Y13, Y15, Y4
	VFMADD231PS Y14, Y15, Y5
	VMOVUPS     (AX)(R9*2), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VFMADD231PS Y14, Y15, Y8
	VMOVUPS     (SI), Y15
	VFMADD231PS Y12, Y15, Y9
	VFMADD231PS Y13, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	ADDQ        $32, AX
	ADDQ        $32, SI
	ADDQ        $32, R12
	ADDQ        $32, R13
	ADDQ        $32, R14
	DECQ        CX
	JNE         w43v

	ADDQ R11, R8
	ADDQ BX, R10
	DECQ DX
	JNE  w43n
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VZEROUPPER
	RET

// func wdot32x6x2(nex, kv int, a *float32, lda, astr int, b *float32, o *int32, bstr int, acc *float32)
// Accumulators Y0–Y11 (block (r, q) in Y(2r+q)); rows of B in Y12, Y13,
// rows of A in Y14, Y15 in turn.
TEXT ·wdot32x6x2(SB), NOSPLIT, $0-72
	MOVQ nex+0(FP), DX
	MOVQ a+16(FP), R8
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ astr+32(FP), R11
	SHLQ $2, R11
	MOVQ b+40(FP), R10
	MOVQ bstr+56(FP), BX
	SHLQ $2, BX
	MOVQ acc+64(FP), DI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	VMOVUPS 256(DI), Y8
	VMOVUPS 288(DI), Y9
	VMOVUPS 320(DI), Y10
	VMOVUPS 352(DI), Y11

w62n:
	MOVQ    o+48(FP), R12
	MOVLQSX 4(R12), R13
	MOVLQSX (R12), R12
	LEAQ    (R10)(R12*4), R12
	LEAQ    (R10)(R13*4), R13
	MOVQ    R8, AX
	LEAQ    (AX)(R9*2), SI
	ADDQ    R9, SI
	MOVQ    kv+8(FP), CX

w62v:
	VMOVUPS     (R12), Y12
	VMOVUPS     (R13), Y13
	VMOVUPS     (AX), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VMOVUPS     (AX)(R9*1), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VMOVUPS     (AX)(R9*2), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VMOVUPS     (SI), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VMOVUPS     (SI)(R9*1), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VMOVUPS     (SI)(R9*2), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ        $32, AX
	ADDQ        $32, SI
	ADDQ        $32, R12
	ADDQ        $32, R13
	DECQ        CX
	JNE         w62v

	ADDQ R11, R8
	ADDQ BX, R10
	DECQ DX
	JNE  w62n
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VZEROUPPER
	RET

// func gather8(nv int, dst, src *float32, d *int32, kk int)
// nv vectors of dst, eight at a time (eight independent sums), then one at
// a time: each the sum over t of the vectors at src + 4·d[t], added in
// order of t to zero.
TEXT ·gather8(SB), NOSPLIT, $0-40
	MOVQ nv+0(FP), DX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), BX
	CMPQ DX, $8
	JLT  g1n

g8n:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   d+24(FP), SI
	MOVQ   kk+32(FP), CX

g8t:
	MOVLQSX (SI), R8
	LEAQ    (BX)(R8*4), R8
	VADDPS  (R8), Y0, Y0
	VADDPS  32(R8), Y1, Y1
	VADDPS  64(R8), Y2, Y2
	VADDPS  96(R8), Y3, Y3
	VADDPS  128(R8), Y4, Y4
	VADDPS  160(R8), Y5, Y5
	VADDPS  192(R8), Y6, Y6
	VADDPS  224(R8), Y7, Y7
	ADDQ    $4, SI
	DECQ    CX
	JNE     g8t

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ    $256, DI
	ADDQ    $256, BX
	SUBQ    $8, DX
	CMPQ    DX, $8
	JGE     g8n

g1n:
	TESTQ DX, DX
	JEQ   gdone
	VXORPS Y0, Y0, Y0
	MOVQ   d+24(FP), SI
	MOVQ   kk+32(FP), CX

g1t:
	MOVLQSX (SI), R8
	VADDPS  (BX)(R8*4), Y0, Y0
	ADDQ    $4, SI
	DECQ    CX
	JNE     g1t

	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, BX
	DECQ    DX
	JMP     g1n

gdone:
	VZEROUPPER
	RET

// The core of pool2relu: the 16 columns of the top row in Y0, Y1 and of the
// bottom row in Y2, Y3 (masked past the row) give 8 outputs: the windows'
// values a, b (top), c, d (bottom) in Y4–Y7, the running maximum in Y4,
// the offset k of the first maximal value (0, 1, W, W+1) in Y2, then
// y = max(m, 0) in Y4 (NaN where a value is NaN) and the index
// R13 + 2·lane + k in Y3.
#define P_CORE \
	VSHUFPS      $0x88, Y1, Y0, Y4 \
	VPERMPD      $0xD8, Y4, Y4     \
	VSHUFPS      $0xDD, Y1, Y0, Y5 \
	VPERMPD      $0xD8, Y5, Y5     \
	VSHUFPS      $0x88, Y3, Y2, Y6 \
	VPERMPD      $0xD8, Y6, Y6     \
	VSHUFPS      $0xDD, Y3, Y2, Y7 \
	VPERMPD      $0xD8, Y7, Y7     \
	VCMPPS       $3, Y5, Y4, Y0    \
	VCMPPS       $3, Y7, Y6, Y1    \
	VORPS        Y1, Y0, Y0        \
	VADDPS       Y5, Y4, Y1        \
	VADDPS       Y6, Y1, Y1        \
	VADDPS       Y7, Y1, Y1        \
	VPXOR        Y2, Y2, Y2        \
	VCMPPS       $0x1E, Y4, Y5, Y3 \
	VBLENDVPS    Y3, Y9, Y2, Y2    \
	VMAXPS       Y5, Y4, Y4        \
	VCMPPS       $0x1E, Y4, Y6, Y3 \
	VBLENDVPS    Y3, Y10, Y2, Y2   \
	VMAXPS       Y6, Y4, Y4        \
	VCMPPS       $0x1E, Y4, Y7, Y3 \
	VBLENDVPS    Y3, Y11, Y2, Y2   \
	VMAXPS       Y7, Y4, Y4        \
	VXORPS       Y5, Y5, Y5        \
	VMAXPS       Y4, Y5, Y4        \
	VADDPS       Y5, Y4, Y4        \
	VBLENDVPS    Y0, Y1, Y4, Y4    \
	VMOVQ        R13, X3           \
	VPBROADCASTD X3, Y3            \
	VPADDD       Y8, Y3, Y3        \
	VPADDD       Y2, Y3, Y3

// func pool2relu(npairs, nfull, rem int, x *float32, w int, y *float32, idx *int32, iota *int32, imask, omask *int32)
// For each of npairs pairs of rows of width w (the pairs one after the
// other), nfull groups of 8 outputs and, when rem > 0, one of rem outputs
// read and written under the masks imask (16 columns) and omask (8).
TEXT ·pool2relu(SB), NOSPLIT, $0-80
	MOVQ npairs+0(FP), R8
	MOVQ x+24(FP), SI
	MOVQ w+32(FP), DX
	MOVQ y+40(FP), DI
	MOVQ idx+48(FP), R11
	MOVQ iota+56(FP), AX
	VMOVDQU (AX), Y8
	VMOVQ   DX, X10
	VPBROADCASTD X10, Y10
	VPCMPEQD Y15, Y15, Y15
	VPSUBD   Y15, Y10, Y11
	VPSRLD   $31, Y15, Y9
	MOVQ     DX, R9
	SHLQ     $2, R9
	XORQ     R12, R12

ppair:
	MOVQ SI, BX
	MOVQ R12, R13
	MOVQ nfull+8(FP), CX
	TESTQ CX, CX
	JEQ   prem

pgroup:
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS (BX)(R9*1), Y2
	VMOVUPS 32(BX)(R9*1), Y3
	P_CORE
	VMOVUPS Y4, (DI)
	VMOVDQU Y3, (R11)
	ADDQ    $64, BX
	ADDQ    $32, DI
	ADDQ    $32, R11
	ADDQ    $16, R13
	DECQ    CX
	JNE     pgroup

prem:
	MOVQ  rem+16(FP), CX
	TESTQ CX, CX
	JEQ   pnext
	MOVQ  imask+64(FP), AX
	VMOVDQU (AX), Y12
	VMOVDQU 32(AX), Y13
	MOVQ  omask+72(FP), AX
	VMOVDQU (AX), Y14
	LEAQ  (BX)(R9*1), R10
	VMASKMOVPS (BX), Y12, Y0
	VMASKMOVPS 32(BX), Y13, Y1
	VMASKMOVPS (R10), Y12, Y2
	VMASKMOVPS 32(R10), Y13, Y3
	P_CORE
	VMASKMOVPS Y4, Y14, (DI)
	VPMASKMOVD Y3, Y14, (R11)
	LEAQ  (DI)(CX*4), DI
	LEAQ  (R11)(CX*4), R11

pnext:
	LEAQ (SI)(R9*2), SI
	LEAQ (R12)(DX*2), R12
	DECQ R8
	JNE  ppair
	VZEROUPPER
	RET

// The steps of tileT16: the 16 values of row t of the packed panel in Y12,
// Y13 (TT_LOAD); consecutive values of B from BX + 4·off[t] broadcast in
// turn, pixel r in Y(2r), Y(2r+1) (TT_PIX); then the next row (TT_NEXT).
#define TT_LOAD \
	MOVLQSX (SI), R11; LEAQ (BX)(R11*4), R11; VMOVUPS (AX), Y12; VMOVUPS 32(AX), Y13
#define TT_PIX(off, b, lo, hi) \
	VBROADCASTSS off(R11), b; VFMADD231PS Y12, b, lo; VFMADD231PS Y13, b, hi
#define TT_NEXT \
	ADDQ $64, AX; ADDQ $4, SI
#define TT5_STEP \
	TT_LOAD; TT_PIX(0, Y14, Y0, Y1); TT_PIX(4, Y15, Y2, Y3); TT_PIX(8, Y14, Y4, Y5); \
	TT_PIX(12, Y15, Y6, Y7); TT_PIX(16, Y14, Y8, Y9); TT_NEXT
#define TT6_STEP \
	TT_LOAD; TT_PIX(0, Y14, Y0, Y1); TT_PIX(4, Y15, Y2, Y3); TT_PIX(8, Y14, Y4, Y5); \
	TT_PIX(12, Y15, Y6, Y7); TT_PIX(16, Y14, Y8, Y9); TT_PIX(20, Y15, Y10, Y11); TT_NEXT

// func tileT16(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tmp *float32, rows, mode int)
// The transposed tile: rows (≤ 6) consecutive columns of B (pixels) × the
// 16 columns of the packed panel (channels), summed like tile6x16 over six
// pixels, or over five when rows ≤ 5 (so that no value of B past the fifth
// is read); then the value for pixel j < rows and channel ch, s (mode 0),
// s + bias[ch] (mode 1) or s + c (mode 2), goes to c[ch·ldc+j], through tmp
// (96 values).
TEXT ·tileT16(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ off+24(FP), SI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ CX, R12
	SHRQ $1, R12
	ANDQ $1, CX
	CMPQ rows+64(FP), $5
	JGT  tt6
	TESTQ R12, R12
	JEQ  tt5tail

tt5loop2:
	TT5_STEP
	TT5_STEP
	DECQ R12
	JNE  tt5loop2

tt5tail:
	TESTQ CX, CX
	JEQ   ttstore
	TT5_STEP
	JMP   ttstore

tt6:
	TESTQ R12, R12
	JEQ  tt6tail

tt6loop2:
	TT6_STEP
	TT6_STEP
	DECQ R12
	JNE  tt6loop2

tt6tail:
	TESTQ CX, CX
	JEQ   ttstore
	TT6_STEP

ttstore:
	MOVQ    mode+72(FP), R10
	MOVQ    tmp+56(FP), R9
	CMPQ    R10, $1
	JNE     ttnobias
	MOVQ    bias+48(FP), R8
	VMOVUPS (R8), Y12
	VMOVUPS 32(R8), Y13
	VADDPS Y12, Y0, Y0
	VADDPS Y13, Y1, Y1
	VADDPS Y12, Y2, Y2
	VADDPS Y13, Y3, Y3
	VADDPS Y12, Y4, Y4
	VADDPS Y13, Y5, Y5
	VADDPS Y12, Y6, Y6
	VADDPS Y13, Y7, Y7
	VADDPS Y12, Y8, Y8
	VADDPS Y13, Y9, Y9
	VADDPS Y12, Y10, Y10
	VADDPS Y13, Y11, Y11

ttnobias:
	VMOVUPS Y0, 0(R9)
	VMOVUPS Y1, 32(R9)
	VMOVUPS Y2, 64(R9)
	VMOVUPS Y3, 96(R9)
	VMOVUPS Y4, 128(R9)
	VMOVUPS Y5, 160(R9)
	VMOVUPS Y6, 192(R9)
	VMOVUPS Y7, 224(R9)
	VMOVUPS Y8, 256(R9)
	VMOVUPS Y9, 288(R9)
	VMOVUPS Y10, 320(R9)
	VMOVUPS Y11, 352(R9)
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	MOVQ $16, CX
	CMPQ R10, $2
	JEQ  ttadd

ttch:
	MOVQ rows+64(FP), R10
	MOVQ R9, SI
	MOVQ DI, R8

ttpix:
	MOVL (SI), AX
	MOVL AX, (R8)
	ADDQ $64, SI
	ADDQ $4, R8
	DECQ R10
	JNE  ttpix

	ADDQ $4, R9
	ADDQ DX, DI
	DECQ CX
	JNE  ttch
	VZEROUPPER
	RET

ttadd:
	MOVQ rows+64(FP), R10
	MOVQ R9, SI
	MOVQ DI, R8

ttapix:
	VMOVSS (SI), X0
	VADDSS (R8), X0, X0
	VMOVSS X0, (R8)
	ADDQ   $64, SI
	ADDQ   $4, R8
	DECQ   R10
	JNE    ttapix

	ADDQ $4, R9
	ADDQ DX, DI
	DECQ CX
	JNE  ttadd
	VZEROUPPER
	RET

// The core of pool2reluBack: the outputs y in Y0, their gradients in Y2,
// the indices in Y1 give g = dy where y ≠ 0, else +0 (in Y0), the
// offsets k = idx − (R13 + 2·lane), and g placed at offset k of each
// window: top row even and odd columns in Y3, Y4, bottom row in Y5, Y6.
#define PB_CORE \
	VCMPPS       $4, Y15, Y0, Y0 \
	VANDPS       Y2, Y0, Y0      \
	VADDPS       Y15, Y0, Y0     \
	VMOVQ        R13, X2         \
	VPBROADCASTD X2, Y2          \
	VPADDD       Y8, Y2, Y2      \
	VPSUBD       Y2, Y1, Y1      \
	VPCMPEQD     Y15, Y1, Y3     \
	VANDPS       Y0, Y3, Y3      \
	VPCMPEQD     Y9, Y1, Y4      \
	VANDPS       Y0, Y4, Y4      \
	VPCMPEQD     Y10, Y1, Y5     \
	VANDPS       Y0, Y5, Y5      \
	VPCMPEQD     Y11, Y1, Y6     \
	VANDPS       Y0, Y6, Y6

// Interleave even (e) and odd (o) columns into Y13, Y14.
#define PB_MIX(e, o) \
	VUNPCKLPS  o, e, Y7          \
	VUNPCKHPS  o, e, Y12         \
	VPERM2F128 $0x20, Y12, Y7, Y13 \
	VPERM2F128 $0x31, Y12, Y7, Y14

// func pool2reluBack(npairs, nfull, rem int, dx *float32, w, ld int, dy, y *float32, idx *int32, iota *int32, imask, omask *int32)
// The gradient of pool2relu: each window of the 2×2 pooling gets its
// output's gradient at the chosen input (where the output is nonzero) and
// +0 elsewhere; every input of the pairs of rows is written (the columns
// 0 … 2·(8·nfull+rem)−1 of rows of ld values in dx; the indices count
// rows of w values).
TEXT ·pool2reluBack(SB), NOSPLIT, $0-96
	MOVQ npairs+0(FP), R8
	MOVQ dx+24(FP), SI
	MOVQ w+32(FP), DX
	MOVQ dy+48(FP), R14
	MOVQ y+56(FP), DI
	MOVQ idx+64(FP), R11
	MOVQ iota+72(FP), AX
	VMOVDQU (AX), Y8
	VMOVQ   DX, X10
	VPBROADCASTD X10, Y10
	VPCMPEQD Y15, Y15, Y15
	VPSUBD   Y15, Y10, Y11
	VPSRLD   $31, Y15, Y9
	VPXOR    Y15, Y15, Y15
	MOVQ     ld+40(FP), R9
	SHLQ     $2, R9
	XORQ     R12, R12

pbpair:
	MOVQ SI, BX
	MOVQ R12, R13
	MOVQ nfull+8(FP), CX
	TESTQ CX, CX
	JEQ   pbrem

pbgroup:
	VMOVUPS (DI), Y0
	VMOVDQU (R11), Y1
	VMOVUPS (R14), Y2
	PB_CORE
	PB_MIX(Y3, Y4)
	VMOVUPS Y13, (BX)
	VMOVUPS Y14, 32(BX)
	PB_MIX(Y5, Y6)
	VMOVUPS Y13, (BX)(R9*1)
	VMOVUPS Y14, 32(BX)(R9*1)
	ADDQ    $64, BX
	ADDQ    $32, DI
	ADDQ    $32, R14
	ADDQ    $32, R11
	ADDQ    $16, R13
	DECQ    CX
	JNE     pbgroup

pbrem:
	MOVQ  rem+16(FP), CX
	TESTQ CX, CX
	JEQ   pbnext
	MOVQ  omask+88(FP), AX
	VMOVDQU (AX), Y7
	VMASKMOVPS (DI), Y7, Y0
	VPMASKMOVD (R11), Y7, Y1
	VMASKMOVPS (R14), Y7, Y2
	PB_CORE
	MOVQ  imask+80(FP), AX
	PB_MIX(Y3, Y4)
	VMOVDQU (AX), Y3
	VMOVDQU 32(AX), Y4
	VMASKMOVPS Y13, Y3, (BX)
	VMASKMOVPS Y14, Y4, 32(BX)
	LEAQ  (BX)(R9*1), R10
	PB_MIX(Y5, Y6)
	VMASKMOVPS Y13, Y3, (R10)
	VMASKMOVPS Y14, Y4, 32(R10)
	LEAQ  (DI)(CX*4), DI
	LEAQ  (R14)(CX*4), R14
	LEAQ  (R11)(CX*4), R11

pbnext:
	LEAQ (SI)(R9*2), SI
	LEAQ (R12)(DX*2), R12
	DECQ R8
	JNE  pbpair
	VZEROUPPER
	RET

// func spread(nrows, w int, src *float32, sstr int, dst *float32, dstr, zeros int, cmask, zmask *int32)
// Row r < nrows: w values from src + r·sstr to dst + r·dstr, then zeros
// zeros; the last w mod 8 (zeros mod 8) values under cmask (zmask).
TEXT ·spread(SB), NOSPLIT, $0-72
	MOVQ nrows+0(FP), R8
	MOVQ src+16(FP), SI
	MOVQ sstr+24(FP), R9
	SHLQ $2, R9
	MOVQ dst+32(FP), DI
	MOVQ dstr+40(FP), R10
	SHLQ $2, R10
	MOVQ cmask+56(FP), AX
	VMOVDQU (AX), Y14
	MOVQ zmask+64(FP), AX
	VMOVDQU (AX), Y15
	VXORPS  Y13, Y13, Y13

sprow:
	MOVQ SI, BX
	MOVQ DI, DX
	MOVQ w+8(FP), CX
	SHRQ $3, CX
	JEQ  spctail

spcopy:
	VMOVUPS (BX), Y0
	VMOVUPS Y0, (DX)
	ADDQ    $32, BX
	ADDQ    $32, DX
	DECQ    CX
	JNE     spcopy

spctail:
	MOVQ w+8(FP), CX
	ANDQ $7, CX
	JEQ  spzero
	VMASKMOVPS (BX), Y14, Y0
	VMASKMOVPS Y0, Y14, (DX)
	LEAQ (DX)(CX*4), DX

spzero:
	MOVQ zeros+48(FP), CX
	SHRQ $3, CX
	JEQ  spztail

spzl:
	VMOVUPS Y13, (DX)
	ADDQ    $32, DX
	DECQ    CX
	JNE     spzl

spztail:
	MOVQ zeros+48(FP), CX
	ANDQ $7, CX
	JEQ  spnext
	VMASKMOVPS Y13, Y15, (DX)

spnext:
	ADDQ R9, SI
	ADDQ R10, DI
	DECQ R8
	JNE  sprow
	VZEROUPPER
	RET
