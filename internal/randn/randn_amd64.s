//go:build amd64 && !purego

#include "textflag.h"

// Constants of the lane kernels, broadcast to all lanes.
DATA zigc<>+0(SB)/8, $0x0000000000001ff0  // sign and layer bits, times 16
DATA zigc<>+8(SB)/8, $0x4330000000000000  // 2⁵², whose high word the blend takes
DATA zigc<>+16(SB)/8, $0x4530000000000000 // 2⁸⁴
DATA zigc<>+24(SB)/8, $0x4530000000100000 // 2⁸⁴ + 2⁵²
DATA zigc<>+32(SB)/8, $0x3ca0000000000000 // 2⁻⁵³
GLOBL zigc<>(SB), RODATA|NOPTR, $40

// The kernels hold s0..s3 of the four generators in Y0..Y3, one lane each,
// the draw index i in CX, the end n in DX, zkw in R12, the constants above
// in Y15..Y12, and the chunks' pointers at i in SI, DI, R8 and R9 (the pair
// kernels: SI and DI, with mean's and std's distances in R10 and R11). In
// the four-lane kernels st.buf (160(BX)) holds a block's draws, row K the
// draws K of the four lanes.

// DRAW makes the xoshiro256++ outputs u (Y4) and steps the generators with
// AVX2 only, finds zk and zw (Y8) of the layer and sign bits of u (zkw's
// second half holds −zw: a product's rounding is odd in its sign), and jumps
// to SLOW with j = u>>11 in Y7 if some lane's j is not below zk.
#define DRAW(SLOW) \
	VPADDQ     Y3, Y0, Y4;            \
	VPSLLQ     $23, Y4, Y5;           \
	VPSRLQ     $41, Y4, Y4;           \
	VPOR       Y5, Y4, Y4;            \
	VPADDQ     Y0, Y4, Y4;            \
	VPSLLQ     $17, Y1, Y5;           \
	VPXOR      Y0, Y2, Y2;            \
	VPXOR      Y1, Y3, Y3;            \
	VPXOR      Y2, Y1, Y1;            \
	VPXOR      Y3, Y0, Y0;            \
	VPXOR      Y5, Y2, Y2;            \
	VPSLLQ     $45, Y3, Y5;           \
	VPSRLQ     $19, Y3, Y3;           \
	VPOR       Y5, Y3, Y3;            \
	LOOKUP(SLOW)

// LOOKUP is the table part of DRAW: four 16-byte loads of zkw, whose
// offsets go through st.idx.
#define LOOKUP(SLOW) \
	VPSLLQ     $4, Y4, Y6;            \
	VPAND      Y15, Y6, Y6;           \
	VMOVDQU    Y6, 240(BX);           \
	MOVQ       240(BX), AX;           \
	MOVQ       248(BX), R10;          \
	MOVQ       256(BX), R11;          \
	MOVQ       264(BX), R13;          \
	VMOVDQU    (R12)(AX*1), X8;       \
	VMOVDQU    (R12)(R10*1), X9;      \
	VINSERTI128 $1, (R12)(R11*1), Y8, Y8; \
	VINSERTI128 $1, (R12)(R13*1), Y9, Y9; \
	VPUNPCKLQDQ Y9, Y8, Y10;          \
	VPUNPCKHQDQ Y9, Y8, Y8;           \
	VPSRLQ     $11, Y4, Y7;           \
	VPCMPGTQ   Y7, Y10, Y10;          \
	VMOVMSKPD  Y10, AX;               \
	CMPL       AX, $15;               \
	JNE        SLOW

// OUT computes u (Y4) for the pair kernels, without stepping.
#define OUT \
	VPADDQ     Y3, Y0, Y4;            \
	VPSLLQ     $23, Y4, Y5;           \
	VPSRLQ     $41, Y4, Y4;           \
	VPOR       Y5, Y4, Y4;            \
	VPADDQ     Y0, Y4, Y4

// STEPGEN steps the four generators once.
#define STEPGEN \
	VPSLLQ     $17, Y1, Y5;           \
	VPXOR      Y0, Y2, Y2;            \
	VPXOR      Y1, Y3, Y3;            \
	VPXOR      Y2, Y1, Y1;            \
	VPXOR      Y3, Y0, Y0;            \
	VPXOR      Y5, Y2, Y2;            \
	VPSLLQ     $45, Y3, Y5;           \
	VPSRLQ     $19, Y3, Y3;           \
	VPOR       Y5, Y3, Y3

// LOOKUP2 is LOOKUP with AX, R8, R9 and R13 for the offsets.
#define LOOKUP2(SLOW) \
	VPSLLQ     $4, Y4, Y6;            \
	VPAND      Y15, Y6, Y6;           \
	VMOVDQU    Y6, 240(BX);           \
	MOVQ       240(BX), AX;           \
	MOVQ       248(BX), R8;           \
	MOVQ       256(BX), R9;           \
	MOVQ       264(BX), R13;          \
	VMOVDQU    (R12)(AX*1), X8;       \
	VMOVDQU    (R12)(R8*1), X9;       \
	VINSERTI128 $1, (R12)(R9*1), Y8, Y8; \
	VINSERTI128 $1, (R12)(R13*1), Y9, Y9; \
	VPUNPCKLQDQ Y9, Y8, Y10;          \
	VPUNPCKHQDQ Y9, Y8, Y8;           \
	VPSRLQ     $11, Y4, Y7;           \
	VPCMPGTQ   Y7, Y10, Y10;          \
	VMOVMSKPD  Y10, AX;               \
	CMPL       AX, $15;               \
	JNE        SLOW

// CONV is FINISH without the store: x rounded
// to float32 in X7.
#define CONV \
	VPBLENDD   $0xaa, Y14, Y7, Y9;    \
	VPSRLQ     $32, Y7, Y7;           \
	VPOR       Y13, Y7, Y7;           \
	VSUBPD     Y12, Y7, Y7;           \
	VADDPD     Y9, Y7, Y7;            \
	VMULPD     Y8, Y7, Y7;            \
	VCVTPD2PSY Y7, X7

// FINISH rounds x = float64(j)·zw to float32 and stores it in row K of
// st.buf. float64(j) for j < 2⁵³ is exact: (2⁸⁴ + hi·2³² − (2⁸⁴ + 2⁵²)) +
// (2⁵² + lo), with hi and lo the high and low 32 bits of j in mantissas.
#define FINISH(K) \
	VPBLENDD   $0xaa, Y14, Y7, Y9;    \
	VPSRLQ     $32, Y7, Y7;           \
	VPOR       Y13, Y7, Y7;           \
	VSUBPD     Y12, Y7, Y7;           \
	VADDPD     Y9, Y7, Y7;            \
	VMULPD     Y8, Y7, Y7;            \
	VCVTPD2PSY Y7, X7;                \
	VMOVUPS    X7, 160+16*K(BX)

// TRANSPOSE turns the rows of st.buf (row 3 also in X7) into draws 0..3 of
// lanes 0..3 in X7, X9, X10 and X4.
#define TRANSPOSE \
	VMOVUPS   160(BX), X4;  \
	VMOVUPS   192(BX), X6;  \
	VUNPCKLPS 176(BX), X4, X5; \
	VUNPCKHPS 176(BX), X4, X4; \
	VUNPCKLPS 208(BX), X6, X8; \
	VUNPCKHPS 208(BX), X6, X6; \
	VUNPCKLPD X8, X5, X7;   \
	VUNPCKHPD X8, X5, X9;   \
	VUNPCKLPD X6, X4, X10;  \
	VUNPCKHPD X6, X4, X4

// NEXT is xoshiro256++'s next on a generator in SI, DI, R8 and R9 (s0..s3),
// with the output in U and T for scratch.
#define NEXT(U, T) \
	MOVQ SI, U;  \
	ADDQ R9, U;  \
	ROLQ $23, U; \
	ADDQ SI, U;  \
	MOVQ DI, T;    \
	SHLQ $17, T;   \
	XORQ SI, R8;   \
	XORQ DI, R9;   \
	XORQ R8, DI;   \
	XORQ R9, SI;   \
	XORQ T, R8;    \
	ROLQ $45, R9

// RELOAD loads the generators from st.s after fix or stop stored them a
// word at a time, by words: a 32-byte load of them would wait for the
// stores to retire instead of taking their data.
#define RELOAD \
	LOADY(0, X0, Y0); \
	LOADY(32, X1, Y1); \
	LOADY(64, X2, Y2); \
	LOADY(96, X3, Y3)

#define LOADY(OFF, X, Y) \
	VMOVQ       OFF(BX), X;           \
	VPINSRQ     $1, OFF+8(BX), X, X;  \
	VMOVQ       OFF+16(BX), X5;       \
	VPINSRQ     $1, OFF+24(BX), X5, X5; \
	VINSERTI128 $1, X5, Y, Y

// RESTORE reloads the registers that fix uses: the chunks' pointers at i,
// n and zkw.
#define RESTORE \
	MOVQ d0+8(FP), SI;   \
	MOVQ d1+16(FP), DI;  \
	MOVQ d2+24(FP), R8;  \
	MOVQ d3+32(FP), R9;  \
	LEAQ (SI)(CX*4), SI; \
	LEAQ (DI)(CX*4), DI; \
	LEAQ (R8)(CX*4), R8; \
	LEAQ (R9)(CX*4), R9; \
	MOVQ n+56(FP), DX;   \
	LEAQ ·zkw(SB), R12

// FLUSH1 writes the draw at AX in st.buf to the chunk at P, row R11: as
// mean + std·ε for a sample (a product, then a sum, as in Go).
#define FLUSH1(P, OFF) \
	VMOVSS  160+OFF(BX)(AX*1), X0; \
	LEAQ    (P)(R11*4), R10;       \
	CMPQ    sample+64(FP), $0;     \
	JEQ     3(PC);                 \
	VMULSS  (R10)(R13*1), X0, X0;  \
	VADDSS  (R10)(R12*1), X0, X0;  \
	VMOVSS  X0, (R10)

// func zig4AVX2(st *lanes, d0, d1, d2, d3 *float32, dm, ds uintptr, n, sample int)
//
// zig4AVX2 is the lane kernel with AVX2 only.
TEXT ·zig4AVX2(SB), NOSPLIT, $0-72
	MOVQ st+0(FP), BX
	MOVQ 224(BX), CX
	MOVQ d0+8(FP), SI
	MOVQ d1+16(FP), DI
	MOVQ d2+24(FP), R8
	MOVQ d3+32(FP), R9
	LEAQ (SI)(CX*4), SI
	LEAQ (DI)(CX*4), DI
	LEAQ (R8)(CX*4), R8
	LEAQ (R9)(CX*4), R9
	MOVQ n+56(FP), DX
	LEAQ ·zkw(SB), R12
	VMOVDQU 0(BX), Y0
	VMOVDQU 32(BX), Y1
	VMOVDQU 64(BX), Y2
	VMOVDQU 96(BX), Y3
	VPBROADCASTQ zigc<>+0(SB), Y15
	VPBROADCASTQ zigc<>+8(SB), Y14
	VPBROADCASTQ zigc<>+16(SB), Y13
	VPBROADCASTQ zigc<>+24(SB), Y12
	MOVQ $-1, 232(BX)
	LEAQ 4(CX), AX
	CMPQ AX, DX
	JGT  save

loop:
	DRAW(stop0)
	FINISH(0)

resume0:
	DRAW(stop1)
	FINISH(1)

resume1:
	DRAW(stop2)
	FINISH(2)

resume2:
	DRAW(stop3)
	FINISH(3)

resume3:

	// Transpose the block, then the outputs (mean + std·ε for a sample: a
	// product, then a sum, as in Go).
	TRANSPOSE
	CMPQ      sample+64(FP), $0
	JEQ       store
	MOVQ      dm+40(FP), R10
	MOVQ      ds+48(FP), R11
	VMULPS    (SI)(R11*1), X7, X7
	VADDPS    (SI)(R10*1), X7, X7
	VMULPS    (DI)(R11*1), X9, X9
	VADDPS    (DI)(R10*1), X9, X9
	VMULPS    (R8)(R11*1), X10, X10
	VADDPS    (R8)(R10*1), X10, X10
	VMULPS    (R9)(R11*1), X4, X4
	VADDPS    (R9)(R10*1), X4, X4

store:
	VMOVUPS X7, (SI)
	VMOVUPS X9, (DI)
	VMOVUPS X10, (R8)
	VMOVUPS X4, (R9)
	ADDQ    $16, SI
	ADDQ    $16, DI
	ADDQ    $16, R8
	ADDQ    $16, R9
	ADDQ    $4, CX
	LEAQ    4(CX), AX
	CMPQ    AX, DX
	JLE     loop

save:
	VMOVDQU Y0, 0(BX)
	VMOVDQU Y1, 32(BX)
	VMOVDQU Y2, 64(BX)
	VMOVDQU Y3, 96(BX)
	MOVQ    CX, 224(BX)
	VZEROUPPER
	RET

	// Draw K of the block left the fast path in some lane: finish row K
	// anyway (the caller overwrites the lanes that left), write rows 0..K
	// to the chunks, and return the generators and u for the caller.
stop0:
	VMOVDQU Y4, 128(BX)
	FINISH(0)
	MOVQ    $0, 232(BX)
	JMP     fix

stop1:
	VMOVDQU Y4, 128(BX)
	FINISH(1)
	MOVQ    $1, 232(BX)
	JMP     fix

stop2:
	VMOVDQU Y4, 128(BX)
	FINISH(2)
	MOVQ    $2, 232(BX)
	JMP     fix

stop3:
	VMOVDQU Y4, 128(BX)
	FINISH(3)
	MOVQ    $3, 232(BX)
	JMP     fix

	// One lane left the fast path at draw K (232(BX)) and the others wrote
	// row K: try the draw's slow path for that lane here, as slow does it,
	// when it is a wedge that the chord decides or a redraw that lands in a
	// rectangle; else (several lanes, the tail, math.Exp needed) bail out to
	// the caller. AX has a bit set for each lane that stayed.
fix:
	VMOVDQU   Y0, 0(BX)
	VMOVDQU   Y1, 32(BX)
	VMOVDQU   Y2, 64(BX)
	VMOVDQU   Y3, 96(BX)
	XORL      $15, AX
	LEAL      -1(AX), R10
	TESTL     R10, AX
	JNZ       bail
	BSFL      AX, AX
	MOVQ      128(BX)(AX*8), DX
	MOVQ      DX, R10
	ANDQ      $255, R10
	JZ        bail
	MOVQ      DX, R11
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	MOVQ      0(BX)(AX*8), SI
	MOVQ      32(BX)(AX*8), DI
	MOVQ      64(BX)(AX*8), R8
	MOVQ      96(BX)(AX*8), R9
	NEXT(R11, R13)
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X6, X6
	VMULSD    zigc<>+32(SB), X6, X6
	LEAQ      ·zf(SB), R13
	VMOVSD    8(R13)(R10*8), X9
	VSUBSD    (R13)(R10*8), X9, X9
	VMULSD    X9, X6, X6
	VADDSD    (R13)(R10*8), X6, X6
	LEAQ      ·zc(SB), R12
	LEAQ      (R10)(R10*2), R11
	VMOVSD    0(R12)(R11*8), X9
	VSUBSD    X5, X9, X9
	VMULSD    8(R12)(R11*8), X9, X9
	VADDSD    (R13)(R10*8), X9, X9
	VSUBSD    16(R12)(R11*8), X9, X10
	VCMPSD    $1, X10, X6, X11
	VMOVQ     X11, R13
	TESTQ     R13, R13
	JNZ       commit
	VADDSD    16(R12)(R11*8), X9, X10
	VCMPSD    $1, X6, X10, X11
	VMOVQ     X11, R13
	TESTQ     R13, R13
	JZ        bail
	NEXT(R11, R13)
	MOVQ      R11, R10
	ANDQ      $255, R10
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5

commit:
	VMOVQ     X5, R10
	ANDQ      $256, DX
	SHLQ      $55, DX
	ORQ       DX, R10
	VMOVQ     R10, X5
	VCVTSD2SS X5, X5, X5
	MOVQ      232(BX), R10
	SHLQ      $4, R10
	LEAQ      (R10)(AX*4), R10
	VMOVSS    X5, 160(BX)(R10*1)
	MOVQ      SI, 0(BX)(AX*8)
	MOVQ      DI, 32(BX)(AX*8)
	MOVQ      R8, 64(BX)(AX*8)
	MOVQ      R9, 96(BX)(AX*8)
	RELOAD
	RESTORE
	MOVQ      232(BX), R10
	MOVQ      $-1, 232(BX)
	CMPQ      R10, $1
	JLT       resume0
	JEQ       resume1
	CMPQ      R10, $2
	JEQ       resume2
	JMP       resume3

bail:
	RESTORE
	CMPQ      sample+64(FP), $0
	JNE       flush
	JMP       stopStore

	// A Fill writes the whole block: the rows after K hold stale draws,
	// which the next call overwrites. A Sample cannot (dst may be mean or
	// std), and writes rows 0..K one draw at a time.
stopStore:
	TRANSPOSE
	VMOVUPS X7, (SI)
	VMOVUPS X9, (DI)
	VMOVUPS X10, (R8)
	VMOVUPS X4, (R9)
	JMP     save

flush:
	VMOVDQU Y0, 0(BX)
	VMOVDQU Y1, 32(BX)
	VMOVDQU Y2, 64(BX)
	VMOVDQU Y3, 96(BX)
	MOVQ    CX, 224(BX)
	MOVQ    dm+40(FP), R12
	MOVQ    ds+48(FP), R13
	XORQ    R11, R11

flushRow:
	MOVQ   R11, AX
	SHLQ   $4, AX
	FLUSH1(SI, 0)
	FLUSH1(DI, 4)
	FLUSH1(R8, 8)
	FLUSH1(R9, 12)
	INCQ   R11
	CMPQ   R11, 232(BX)
	JLE    flushRow
	VZEROUPPER
	RET

// func zig2AVX2(st *lanes, da, db *float32, dm, ds uintptr, n, sample int)
//
// zig2AVX2 is the pair kernel with AVX2 only.
TEXT ·zig2AVX2(SB), NOSPLIT, $0-56
	MOVQ st+0(FP), BX
	MOVQ 224(BX), CX
	MOVQ da+8(FP), SI
	MOVQ db+16(FP), DI
	LEAQ (SI)(CX*4), SI
	LEAQ (DI)(CX*4), DI
	MOVQ dm+24(FP), R10
	MOVQ ds+32(FP), R11
	MOVQ n+40(FP), DX
	LEAQ ·zkw(SB), R12
	VMOVDQU 0(BX), Y0
	VMOVDQU 32(BX), Y1
	VMOVDQU 64(BX), Y2
	VMOVDQU 96(BX), Y3
	VPBROADCASTQ zigc<>+0(SB), Y15
	VPBROADCASTQ zigc<>+8(SB), Y14
	VPBROADCASTQ zigc<>+16(SB), Y13
	VPBROADCASTQ zigc<>+24(SB), Y12
	MOVQ $-1, 232(BX)
	LEAQ 2(CX), AX
	CMPQ AX, DX
	JGT  done

loop:
	OUT
	LOOKUP2(stop)
	CONV
	CMPQ    sample+48(FP), $0
	JEQ     store
	VMOVQ   (SI)(R10*1), X5
	VMOVHPS (DI)(R10*1), X5, X5
	VMOVQ   (SI)(R11*1), X6
	VMOVHPS (DI)(R11*1), X6, X6
	VMULPS  X6, X7, X7
	VADDPS  X5, X7, X7

store:
	VMOVQ   X7, (SI)
	VMOVHPS X7, (DI)
	STEPGEN
	STEPGEN

advance:
	ADDQ    $8, SI
	ADDQ    $8, DI
	ADDQ    $2, CX
	LEAQ    2(CX), AX
	CMPQ    AX, DX
	JLE     loop

done:
	VMOVDQU Y0, 0(BX)
	VMOVDQU Y1, 32(BX)
	VMOVDQU Y2, 64(BX)
	VMOVDQU Y3, 96(BX)
	MOVQ    CX, 224(BX)
	VZEROUPPER
	RET

	// A draw of the pair left the fast path: step the generators and keep
	// the draws anyway, then remake the two draws of each stream that had
	// one leave, with scalar code from its generator at draw i (kept at
	// st.tmp), as fillFrom does, when each is fast, a wedge that the chord
	// decides or a redraw that lands in a rectangle; else (the tail,
	// math.Exp needed) stop at i, having written nothing.
stop:
	CONV
	VMOVUPS   X7, 160(BX)
	VMOVDQU   Y0, 272(BX)
	VMOVDQU   Y1, 304(BX)
	VMOVDQU   Y2, 336(BX)
	VMOVDQU   Y3, 368(BX)
	STEPGEN
	STEPGEN
	VMOVDQU   Y0, 0(BX)
	VMOVDQU   Y1, 32(BX)
	VMOVDQU   Y2, 64(BX)
	VMOVDQU   Y3, 96(BX)
	MOVL      AX, R12
	ANDL      $3, R12
	CMPL      R12, $3
	JEQ       streamb
	MOVQ      272(BX), SI
	MOVQ      304(BX), DI
	MOVQ      336(BX), R8
	MOVQ      368(BX), R9
	NEXT(DX, R11)
	MOVQ      DX, R10
	ANDQ      $255, R10
	MOVQ      DX, R11
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       slowa0
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	JMP       signa0

slowa0:
	TESTQ     R10, R10
	JZ        bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	NEXT(R11, R13)
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X6, X6
	VMULSD    zigc<>+32(SB), X6, X6
	LEAQ      ·zf(SB), R13
	VMOVSD    8(R13)(R10*8), X9
	VSUBSD    (R13)(R10*8), X9, X9
	VMULSD    X9, X6, X6
	VADDSD    (R13)(R10*8), X6, X6
	LEAQ      (R10)(R10*2), R11
	LEAQ      ·zc(SB), R13
	VMOVSD    0(R13)(R11*8), X9
	VSUBSD    X5, X9, X9
	VMULSD    8(R13)(R11*8), X9, X9
	VMOVSD    16(R13)(R11*8), X11
	LEAQ      ·zf(SB), R13
	VADDSD    (R13)(R10*8), X9, X9
	VSUBSD    X11, X9, X10
	VCMPSD    $1, X10, X6, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JNZ       signa0
	VADDSD    X11, X9, X10
	VCMPSD    $1, X6, X10, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JZ        bail
	NEXT(R11, R13)
	MOVQ      R11, R10
	ANDQ      $255, R10
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5

signa0:
	VMOVQ     X5, R11
	ANDQ      $256, DX
	SHLQ      $55, DX
	ORQ       DX, R11
	VMOVQ     R11, X5
	VCVTSD2SS X5, X5, X5
	VMOVSS    X5, 160(BX)

	NEXT(DX, R11)
	MOVQ      DX, R10
	ANDQ      $255, R10
	MOVQ      DX, R11
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       slowa1
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	JMP       signa1

slowa1:
	TESTQ     R10, R10
	JZ        bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	NEXT(R11, R13)
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X6, X6
	VMULSD    zigc<>+32(SB), X6, X6
	LEAQ      ·zf(SB), R13
	VMOVSD    8(R13)(R10*8), X9
	VSUBSD    (R13)(R10*8), X9, X9
	VMULSD    X9, X6, X6
	VADDSD    (R13)(R10*8), X6, X6
	LEAQ      (R10)(R10*2), R11
	LEAQ      ·zc(SB), R13
	VMOVSD    0(R13)(R11*8), X9
	VSUBSD    X5, X9, X9
	VMULSD    8(R13)(R11*8), X9, X9
	VMOVSD    16(R13)(R11*8), X11
	LEAQ      ·zf(SB), R13
	VADDSD    (R13)(R10*8), X9, X9
	VSUBSD    X11, X9, X10
	VCMPSD    $1, X10, X6, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JNZ       signa1
	VADDSD    X11, X9, X10
	VCMPSD    $1, X6, X10, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JZ        bail
	NEXT(R11, R13)
	MOVQ      R11, R10
	ANDQ      $255, R10
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5

signa1:
	VMOVQ     X5, R11
	ANDQ      $256, DX
	SHLQ      $55, DX
	ORQ       DX, R11
	VMOVQ     R11, X5
	VCVTSD2SS X5, X5, X5
	VMOVSS    X5, 164(BX)

	MOVQ      SI, 0(BX)
	MOVQ      DI, 32(BX)
	MOVQ      R8, 64(BX)
	MOVQ      R9, 96(BX)
	NEXT(DX, R11)
	MOVQ      SI, 8(BX)
	MOVQ      DI, 40(BX)
	MOVQ      R8, 72(BX)
	MOVQ      R9, 104(BX)

streamb:
	MOVL      AX, R12
	ANDL      $12, R12
	CMPL      R12, $12
	JEQ       commit
	MOVQ      288(BX), SI
	MOVQ      320(BX), DI
	MOVQ      352(BX), R8
	MOVQ      384(BX), R9
	NEXT(DX, R11)
	MOVQ      DX, R10
	ANDQ      $255, R10
	MOVQ      DX, R11
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       slowb0
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	JMP       signb0

slowb0:
	TESTQ     R10, R10
	JZ        bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	NEXT(R11, R13)
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X6, X6
	VMULSD    zigc<>+32(SB), X6, X6
	LEAQ      ·zf(SB), R13
	VMOVSD    8(R13)(R10*8), X9
	VSUBSD    (R13)(R10*8), X9, X9
	VMULSD    X9, X6, X6
	VADDSD    (R13)(R10*8), X6, X6
	LEAQ      (R10)(R10*2), R11
	LEAQ      ·zc(SB), R13
	VMOVSD    0(R13)(R11*8), X9
	VSUBSD    X5, X9, X9
	VMULSD    8(R13)(R11*8), X9, X9
	VMOVSD    16(R13)(R11*8), X11
	LEAQ      ·zf(SB), R13
	VADDSD    (R13)(R10*8), X9, X9
	VSUBSD    X11, X9, X10
	VCMPSD    $1, X10, X6, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JNZ       signb0
	VADDSD    X11, X9, X10
	VCMPSD    $1, X6, X10, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JZ        bail
	NEXT(R11, R13)
	MOVQ      R11, R10
	ANDQ      $255, R10
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5

signb0:
	VMOVQ     X5, R11
	ANDQ      $256, DX
	SHLQ      $55, DX
	ORQ       DX, R11
	VMOVQ     R11, X5
	VCVTSD2SS X5, X5, X5
	VMOVSS    X5, 168(BX)

	NEXT(DX, R11)
	MOVQ      DX, R10
	ANDQ      $255, R10
	MOVQ      DX, R11
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       slowb1
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	JMP       signb1

slowb1:
	TESTQ     R10, R10
	JZ        bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5
	NEXT(R11, R13)
	SHRQ      $11, R11
	VCVTSI2SDQ R11, X6, X6
	VMULSD    zigc<>+32(SB), X6, X6
	LEAQ      ·zf(SB), R13
	VMOVSD    8(R13)(R10*8), X9
	VSUBSD    (R13)(R10*8), X9, X9
	VMULSD    X9, X6, X6
	VADDSD    (R13)(R10*8), X6, X6
	LEAQ      (R10)(R10*2), R11
	LEAQ      ·zc(SB), R13
	VMOVSD    0(R13)(R11*8), X9
	VSUBSD    X5, X9, X9
	VMULSD    8(R13)(R11*8), X9, X9
	VMOVSD    16(R13)(R11*8), X11
	LEAQ      ·zf(SB), R13
	VADDSD    (R13)(R10*8), X9, X9
	VSUBSD    X11, X9, X10
	VCMPSD    $1, X10, X6, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JNZ       signb1
	VADDSD    X11, X9, X10
	VCMPSD    $1, X6, X10, X10
	VMOVQ     X10, R13
	TESTQ     R13, R13
	JZ        bail
	NEXT(R11, R13)
	MOVQ      R11, R10
	ANDQ      $255, R10
	SHRQ      $11, R11
	LEAQ      ·zk(SB), R13
	CMPQ      R11, (R13)(R10*8)
	JCC       bail
	VCVTSI2SDQ R11, X5, X5
	LEAQ      ·zw(SB), R13
	VMULSD    (R13)(R10*8), X5, X5

signb1:
	VMOVQ     X5, R11
	ANDQ      $256, DX
	SHLQ      $55, DX
	ORQ       DX, R11
	VMOVQ     R11, X5
	VCVTSD2SS X5, X5, X5
	VMOVSS    X5, 172(BX)

	MOVQ      SI, 16(BX)
	MOVQ      DI, 48(BX)
	MOVQ      R8, 80(BX)
	MOVQ      R9, 112(BX)
	NEXT(DX, R11)
	MOVQ      SI, 24(BX)
	MOVQ      DI, 56(BX)
	MOVQ      R8, 88(BX)
	MOVQ      R9, 120(BX)

commit:
	RELOAD
	MOVQ      da+8(FP), SI
	MOVQ      db+16(FP), DI
	LEAQ      (SI)(CX*4), SI
	LEAQ      (DI)(CX*4), DI
	MOVQ      dm+24(FP), R10
	MOVQ      ds+32(FP), R11
	MOVQ      n+40(FP), DX
	LEAQ      ·zkw(SB), R12
	VMOVSS    160(BX), X5
	CMPQ      sample+48(FP), $0
	JEQ       out0
	VMULSS    0(SI)(R11*1), X5, X5
	VADDSS    0(SI)(R10*1), X5, X5

out0:
	VMOVSS    X5, 0(SI)
	VMOVSS    164(BX), X5
	CMPQ      sample+48(FP), $0
	JEQ       out1
	VMULSS    4(SI)(R11*1), X5, X5
	VADDSS    4(SI)(R10*1), X5, X5

out1:
	VMOVSS    X5, 4(SI)
	VMOVSS    168(BX), X5
	CMPQ      sample+48(FP), $0
	JEQ       out2
	VMULSS    0(DI)(R11*1), X5, X5
	VADDSS    0(DI)(R10*1), X5, X5

out2:
	VMOVSS    X5, 0(DI)
	VMOVSS    172(BX), X5
	CMPQ      sample+48(FP), $0
	JEQ       out3
	VMULSS    4(DI)(R11*1), X5, X5
	VADDSS    4(DI)(R10*1), X5, X5

out3:
	VMOVSS    X5, 4(DI)
	JMP       advance

bail:
	VMOVDQU   272(BX), Y0
	VMOVDQU   304(BX), Y1
	VMOVDQU   336(BX), Y2
	VMOVDQU   368(BX), Y3
	MOVQ      $0, 232(BX)
	JMP       done
