//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// One step of the 6×16 float32 kernel: B row p in Y12, Y13; A column p
// broadcast row by row; twelve accumulators Y0–Y11 (row r in Y(2r), Y(2r+1)).
#define S_STEP(aoff, boff) \
	VMOVUPS      boff(BX), Y12          \
	VMOVUPS      boff+32(BX), Y13       \
	VBROADCASTSS aoff(AX), Y14          \
	VFMADD231PS  Y12, Y14, Y0           \
	VFMADD231PS  Y13, Y14, Y1           \
	VBROADCASTSS aoff+4(AX), Y15        \
	VFMADD231PS  Y12, Y15, Y2           \
	VFMADD231PS  Y13, Y15, Y3           \
	VBROADCASTSS aoff+8(AX), Y14        \
	VFMADD231PS  Y12, Y14, Y4           \
	VFMADD231PS  Y13, Y14, Y5           \
	VBROADCASTSS aoff+12(AX), Y15       \
	VFMADD231PS  Y12, Y15, Y6           \
	VFMADD231PS  Y13, Y15, Y7           \
	VBROADCASTSS aoff+16(AX), Y14       \
	VFMADD231PS  Y12, Y14, Y8           \
	VFMADD231PS  Y13, Y14, Y9           \
	VBROADCASTSS aoff+20(AX), Y15       \
	VFMADD231PS  Y12, Y15, Y10          \
	VFMADD231PS  Y13, Y15, Y11

#define S_ROW(lo, hi) \
	VADDPS  (DI), lo, lo   \
	VMOVUPS lo, (DI)       \
	VADDPS  32(DI), hi, hi \
	VMOVUPS hi, 32(DI)     \
	ADDQ    DX, DI

// func sgemmKernel6x16(kc int, a, b, c *float32, ldc int)
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX
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
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JEQ  s_tail

s_loop4:
	S_STEP(0, 0)
	S_STEP(24, 64)
	S_STEP(48, 128)
	S_STEP(72, 192)
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ R8
	JNE  s_loop4

s_tail:
	TESTQ CX, CX
	JEQ   s_store

s_loop1:
	S_STEP(0, 0)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNE  s_loop1

s_store:
	S_ROW(Y0, Y1)
	S_ROW(Y2, Y3)
	S_ROW(Y4, Y5)
	S_ROW(Y6, Y7)
	S_ROW(Y8, Y9)
	S_ROW(Y10, Y11)
	VZEROUPPER
	RET

// One step of the 6×8 float64 kernel, laid out as the float32 one.
#define D_STEP(aoff, boff) \
	VMOVUPD      boff(BX), Y12          \
	VMOVUPD      boff+32(BX), Y13       \
	VBROADCASTSD aoff(AX), Y14          \
	VFMADD231PD  Y12, Y14, Y0           \
	VFMADD231PD  Y13, Y14, Y1           \
	VBROADCASTSD aoff+8(AX), Y15        \
	VFMADD231PD  Y12, Y15, Y2           \
	VFMADD231PD  Y13, Y15, Y3           \
	VBROADCASTSD aoff+16(AX), Y14       \
	VFMADD231PD  Y12, Y14, Y4           \
	VFMADD231PD  Y13, Y14, Y5           \
	VBROADCASTSD aoff+24(AX), Y15       \
	VFMADD231PD  Y12, Y15, Y6           \
	VFMADD231PD  Y13, Y15, Y7           \
	VBROADCASTSD aoff+32(AX), Y14       \
	VFMADD231PD  Y12, Y14, Y8           \
	VFMADD231PD  Y13, Y14, Y9           \
	VBROADCASTSD aoff+40(AX), Y15       \
	VFMADD231PD  Y12, Y15, Y10          \
	VFMADD231PD  Y13, Y15, Y11

#define D_ROW(lo, hi) \
	VADDPD  (DI), lo, lo   \
	VMOVUPD lo, (DI)       \
	VADDPD  32(DI), hi, hi \
	VMOVUPD hi, 32(DI)     \
	ADDQ    DX, DI

// func dgemmKernel6x8(kc int, a, b, c *float64, ldc int)
TEXT ·dgemmKernel6x8(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $3, DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JEQ  d_tail

d_loop4:
	D_STEP(0, 0)
	D_STEP(48, 64)
	D_STEP(96, 128)
	D_STEP(144, 192)
	ADDQ $192, AX
	ADDQ $256, BX
	DECQ R8
	JNE  d_loop4

d_tail:
	TESTQ CX, CX
	JEQ   d_store

d_loop1:
	D_STEP(0, 0)
	ADDQ $48, AX
	ADDQ $64, BX
	DECQ CX
	JNE  d_loop1

d_store:
	D_ROW(Y0, Y1)
	D_ROW(Y2, Y3)
	D_ROW(Y4, Y5)
	D_ROW(Y6, Y7)
	D_ROW(Y8, Y9)
	D_ROW(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmKernel6x16B(kc int, a, b *float32, ldb int, c *float32, ldc int)
TEXT ·sgemmKernel6x16B(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ ldb+24(FP), R9
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	SHLQ $2, R9
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
	MOVQ CX, R8
	SHRQ $1, R8
	ANDQ $1, CX
	TESTQ R8, R8
	JEQ  sb_tail

sb_loop2:
	S_STEP(0, 0)
	ADDQ R9, BX
	S_STEP(24, 0)
	ADDQ R9, BX
	ADDQ $48, AX
	DECQ R8
	JNE  sb_loop2

sb_tail:
	TESTQ CX, CX
	JEQ   sb_store
	S_STEP(0, 0)

sb_store:
	S_ROW(Y0, Y1)
	S_ROW(Y2, Y3)
	S_ROW(Y4, Y5)
	S_ROW(Y6, Y7)
	S_ROW(Y8, Y9)
	S_ROW(Y10, Y11)
	VZEROUPPER
	RET

// func dgemmKernel6x8B(kc int, a, b *float64, ldb int, c *float64, ldc int)
TEXT ·dgemmKernel6x8B(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ ldb+24(FP), R9
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $3, DX
	SHLQ $3, R9
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	MOVQ CX, R8
	SHRQ $1, R8
	ANDQ $1, CX
	TESTQ R8, R8
	JEQ  db_tail

db_loop2:
	D_STEP(0, 0)
	ADDQ R9, BX
	D_STEP(48, 0)
	ADDQ R9, BX
	ADDQ $96, AX
	DECQ R8
	JNE  db_loop2

db_tail:
	TESTQ CX, CX
	JEQ   db_store
	D_STEP(0, 0)

db_store:
	D_ROW(Y0, Y1)
	D_ROW(Y2, Y3)
	D_ROW(Y4, Y5)
	D_ROW(Y6, Y7)
	D_ROW(Y8, Y9)
	D_ROW(Y10, Y11)
	VZEROUPPER
	RET

// Horizontal sum of the eight float32 lanes of Y(r) into the scalar at
// off(DI), always in the same order: halves, then pairs, then the last two.
#define S_HSUM(y, x, off) \
	VEXTRACTF128 $1, y, X12 \
	VADDPS       X12, x, x  \
	VMOVHLPS     x, x, X13  \
	VADDPS       X13, x, x  \
	VMOVSHDUP    x, X14     \
	VADDSS       X14, x, x  \
	VMOVSS       x, off(DI)

// func sdot4x3(k8 int, a *float32, lda int, b *float32, ldb int, c *float32)
// c[3i+j] = Σ_p a[i·lda+p]·b[j·ldb+p] over p < 8·k8, accumulated in eight
// lanes (lane l takes p ≡ l mod 8) and then summed across lanes; k8 ≥ 1.
TEXT ·sdot4x3(SB), NOSPLIT, $0-48
	MOVQ k8+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R9
	MOVQ b+24(FP), BX
	MOVQ ldb+32(FP), R11
	MOVQ c+40(FP), DI
	SHLQ $2, R9
	SHLQ $2, R11
	LEAQ (AX)(R9*2), R10
	ADDQ R9, R10
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

sdot_loop:
	VMOVUPS     (BX), Y12
	VMOVUPS     (BX)(R11*1), Y13
	VMOVUPS     (BX)(R11*2), Y14
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
	VMOVUPS     (R10), Y15
	VFMADD231PS Y12, Y15, Y9
	VFMADD231PS Y13, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	ADDQ        $32, AX
	ADDQ        $32, R10
	ADDQ        $32, BX
	DECQ        CX
	JNE         sdot_loop

	S_HSUM(Y0, X0, 0)
	S_HSUM(Y1, X1, 4)
	S_HSUM(Y2, X2, 8)
	S_HSUM(Y3, X3, 12)
	S_HSUM(Y4, X4, 16)
	S_HSUM(Y5, X5, 20)
	S_HSUM(Y6, X6, 24)
	S_HSUM(Y7, X7, 28)
	S_HSUM(Y8, X8, 32)
	S_HSUM(Y9, X9, 36)
	S_HSUM(Y10, X10, 40)
	S_HSUM(Y11, X11, 44)
	VZEROUPPER
	RET

// func sdot1(k8 int, a, b *float32, c *float32)
// The 1×1 case of sdot4x3, with the same operations per element.
TEXT ·sdot1(SB), NOSPLIT, $0-32
	MOVQ   k8+0(FP), CX
	MOVQ   a+8(FP), AX
	MOVQ   b+16(FP), BX
	MOVQ   c+24(FP), DI
	VXORPS Y0, Y0, Y0

sdot1_loop:
	VMOVUPS     (BX), Y12
	VMOVUPS     (AX), Y15
	VFMADD231PS Y12, Y15, Y0
	ADDQ        $32, AX
	ADDQ        $32, BX
	DECQ        CX
	JNE         sdot1_loop

	S_HSUM(Y0, X0, 0)
	VZEROUPPER
	RET

// Horizontal sum of the four float64 lanes of Y(r) into off(DI).
#define D_HSUM(y, x, off) \
	VEXTRACTF128 $1, y, X12 \
	VADDPD       X12, x, x  \
	VUNPCKHPD    x, x, X13  \
	VADDSD       X13, x, x  \
	VMOVSD       x, off(DI)

// func ddot4x3(k4 int, a *float64, lda int, b *float64, ldb int, c *float64)
// The float64 sdot4x3, over 4·k4 values in four lanes.
TEXT ·ddot4x3(SB), NOSPLIT, $0-48
	MOVQ k4+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R9
	MOVQ b+24(FP), BX
	MOVQ ldb+32(FP), R11
	MOVQ c+40(FP), DI
	SHLQ $3, R9
	SHLQ $3, R11
	LEAQ (AX)(R9*2), R10
	ADDQ R9, R10
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

ddot_loop:
	VMOVUPD     (BX), Y12
	VMOVUPD     (BX)(R11*1), Y13
	VMOVUPD     (BX)(R11*2), Y14
	VMOVUPD     (AX), Y15
	VFMADD231PD Y12, Y15, Y0
	VFMADD231PD Y13, Y15, Y1
	VFMADD231PD Y14, Y15, Y2
	VMOVUPD     (AX)(R9*1), Y15
	VFMADD231PD Y12, Y15, Y3
	VFMADD231PD Y13, Y15, Y4
	VFMADD231PD Y14, Y15, Y5
	VMOVUPD     (AX)(R9*2), Y15
	VFMADD231PD Y12, Y15, Y6
	VFMADD231PD Y13, Y15, Y7
	VFMADD231PD Y14, Y15, Y8
	VMOVUPD     (R10), Y15
	VFMADD231PD Y12, Y15, Y9
	VFMADD231PD Y13, Y15, Y10
	VFMADD231PD Y14, Y15, Y11
	ADDQ        $32, AX
	ADDQ        $32, R10
	ADDQ        $32, BX
	DECQ        CX
	JNE         ddot_loop

	D_HSUM(Y0, X0, 0)
	D_HSUM(Y1, X1, 8)
	D_HSUM(Y2, X2, 16)
	D_HSUM(Y3, X3, 24)
	D_HSUM(Y4, X4, 32)
	D_HSUM(Y5, X5, 40)
	D_HSUM(Y6, X6, 48)
	D_HSUM(Y7, X7, 56)
	D_HSUM(Y8, X8, 64)
	D_HSUM(Y9, X9, 72)
	D_HSUM(Y10, X10, 80)
	D_HSUM(Y11, X11, 88)
	VZEROUPPER
	RET

// func ddot1(k4 int, a, b *float64, c *float64)
TEXT ·ddot1(SB), NOSPLIT, $0-32
	MOVQ   k4+0(FP), CX
	MOVQ   a+8(FP), AX
	MOVQ   b+16(FP), BX
	MOVQ   c+24(FP), DI
	VXORPD Y0, Y0, Y0

ddot1_loop:
	VMOVUPD     (BX), Y12
	VMOVUPD     (AX), Y15
	VFMADD231PD Y12, Y15, Y0
	ADDQ        $32, AX
	ADDQ        $32, BX
	DECQ        CX
	JNE         ddot1_loop

	D_HSUM(Y0, X0, 0)
	VZEROUPPER
	RET
