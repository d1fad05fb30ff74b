//go:build amd64 && !purego

#include "textflag.h"

// Constants of the lane kernels.
DATA zigc<>+0(SB)/4, $0x000001ff         // a word's sign and layer bits
DATA zigc<>+8(SB)/8, $0x3ca0000000000000 // 2⁻⁵³
DATA zigc<>+16(SB)/4, $0                 // 0..7: the index of each 32-bit lane
DATA zigc<>+20(SB)/4, $1
DATA zigc<>+24(SB)/4, $2
DATA zigc<>+28(SB)/4, $3
DATA zigc<>+32(SB)/4, $4
DATA zigc<>+36(SB)/4, $5
DATA zigc<>+40(SB)/4, $6
DATA zigc<>+44(SB)/4, $7
GLOBL zigc<>(SB), RODATA|NOPTR, $48

// The kernels hold s0..s3 of the four generators in Y0..Y3, one 64-bit lane
// each, 511 in each 32-bit lane of Y15, the draw index i in CX, the end n in
// DX, zkw32 in R12, the distances of mean and std from dst in R10 and R11,
// and the chunks' pointers at i in SI, DI, R8 and R9 (the pair kernel: SI
// and DI). A step makes eight draws in Y7, one from each 32-bit word of the
// outputs: word 2l is the low half of lane l's output, word 2l+1 the high.
// The fixes, which make the draws that leave the fast path with scalar
// code, keep Y7 and Y15 and use the other registers as they like.

// OUTPUT makes the xoshiro256++ outputs u = rotl(s0 + s3, 23) + s0 in Y4.
#define OUTPUT \
	VPADDQ Y3, Y0, Y4;  \
	VPSLLQ $23, Y4, Y5; \
	VPSRLQ $41, Y4, Y4; \
	VPOR   Y5, Y4, Y4;  \
	VPADDQ Y0, Y4, Y4

// STEPGEN steps the four generators once.
#define STEPGEN \
	VPSLLQ $17, Y1, Y5; \
	VPXOR  Y0, Y2, Y2;  \
	VPXOR  Y1, Y3, Y3;  \
	VPXOR  Y2, Y1, Y1;  \
	VPXOR  Y3, Y0, Y0;  \
	VPXOR  Y5, Y2, Y2;  \
	VPSLLQ $45, Y3, Y5; \
	VPSRLQ $19, Y3, Y3; \
	VPOR   Y5, Y3, Y3

// WORDS makes the eight draws of the words of u (Y4) in Y7, as if each
// were accepted: it gathers zk32 and ±zw32 at w mod 512 (the sign and
// layer bits), takes j = w>>9, and x = float32(j)·(±zw32), exact in the
// conversion and rounded once in the product, as in Go. AX gets a bit set
// for each word whose j is below zk32, which a signed comparison finds as
// j < 2²³. The gathers' destinations are zeroed first: a gather merges
// into its destination, which would chain each step's gathers to the last.
#define WORDS \
	VPAND      Y15, Y4, Y6;           \
	VPSRLD     $9, Y4, Y7;            \
	VPXOR      Y8, Y8, Y8;            \
	VPCMPEQD   Y10, Y10, Y10;         \
	VPGATHERDD Y10, (R12)(Y6*8), Y8;  \
	VPXOR      Y9, Y9, Y9;            \
	VPCMPEQD   Y11, Y11, Y11;         \
	VPGATHERDD Y11, 4(R12)(Y6*8), Y9; \
	VPCMPGTD   Y7, Y8, Y8;            \
	VCVTDQ2PS  Y7, Y7;                \
	VMULPS     Y9, Y7, Y7;            \
	VMOVMSKPS  Y8, AX

// NEXT is xoshiro256++'s next on a generator in SI, DI, R8 and R9 (s0..s3),
// with the output in U and T for scratch.
#define NEXT(U, T) \
	MOVQ SI, U;  \
	ADDQ R9, U;  \
	ROLQ $23, U; \
	ADDQ SI, U;  \
	MOVQ DI, T;  \
	SHLQ $17, T; \
	XORQ SI, R8; \
	XORQ DI, R9; \
	XORQ R8, DI; \
	XORQ R9, SI; \
	XORQ T, R8;  \
	ROLQ $45, R9

// EVAL is the draw of the word w in R10 with scalar code: X5 gets
// float32(j)·(±zw32) if j is below zk32, else it jumps to SLOW with the
// sign and layer bits in R11 and j in R12. It uses R11 to R13.
#define EVAL(SLOW) \
	MOVL       R10, R11;          \
	ANDL       $511, R11;         \
	MOVL       R10, R12;          \
	SHRL       $9, R12;           \
	LEAQ       ·zkw32(SB), R13;   \
	CMPL       R12, (R13)(R11*8); \
	JCC        SLOW;              \
	VCVTSI2SSL R12, X5, X5;       \
	VMULSS     4(R13)(R11*8), X5, X5

// WEDGE is slow, at LOOP, for layer l = R11 mod 256 and the 53-bit
// magnitude j in R12, with the generator in SI, DI, R8 and R9, in the cases
// that need neither the tail (layer 0) nor math.Exp: those jump to BAIL. It
// takes x = float64(j)·zw[l] and a uniform y between zf[l] and zf[l+1] from
// the next output; it accepts the draw (a jump to ACCEPT with x in X5) if
// y is below the chord by more than zc[l].d or, in the chord's band, below
// band's lower bound of f(x), and rejects it if y is above them by as much
// or above band's upper bound. A rejected draw redraws at REDRAW from the
// next output in the float64 layout, which falls through with its x in X5
// when it lands in its layer's rectangle, and else starts again at LOOP.
// It uses R11 to R13, CX, DX and X5, X6, X9 to X13.
#define WEDGE(LOOP, REDRAW, ACCEPT, BAIL) \
	ANDL       $255, R11;              \
	JZ         BAIL;                   \
	VCVTSI2SDQ R12, X5, X5;            \
	LEAQ       ·zw(SB), R13;           \
	VMULSD     (R13)(R11*8), X5, X5;   \
	NEXT(DX, CX);                      \
	SHRQ       $11, DX;                \
	VCVTSI2SDQ DX, X6, X6;             \
	VMULSD     zigc<>+8(SB), X6, X6;   \
	LEAQ       ·zf(SB), R13;           \
	VMOVSD     8(R13)(R11*8), X9;      \
	VSUBSD     (R13)(R11*8), X9, X9;   \
	VMULSD     X9, X6, X6;             \
	VADDSD     (R13)(R11*8), X6, X6;   \
	LEAQ       (R11)(R11*2), R12;      \
	LEAQ       ·zc(SB), DX;            \
	VMOVSD     0(DX)(R12*8), X9;       \
	VSUBSD     X5, X9, X10;            \
	VMULSD     8(DX)(R12*8), X10, X11; \
	VADDSD     (R13)(R11*8), X11, X11; \
	VMOVSD     16(DX)(R12*8), X12;     \
	VSUBSD     X12, X11, X13;          \
	VCMPSD     $1, X13, X6, X13;       \
	VMOVQ      X13, DX;                \
	TESTQ      DX, DX;                 \
	JNZ        ACCEPT;                 \
	VADDSD     X12, X11, X13;          \
	VCMPSD     $1, X6, X13, X13;       \
	VMOVQ      X13, DX;                \
	TESTQ      DX, DX;                 \
	JNZ        REDRAW;                 \
	VADDSD     X9, X5, X11;            \
	VMULSD     X11, X10, X10;          \
	VMULSD     ·band+24(SB), X10, X10; \
	VMOVSD     ·band+0(SB), X11;       \
	VMULSD     X10, X11, X11;          \
	VADDSD     ·band+8(SB), X11, X11;  \
	VMULSD     X10, X11, X11;          \
	VADDSD     ·band+16(SB), X11, X11; \
	VMULSD     X10, X11, X11;          \
	VADDSD     ·band+24(SB), X11, X11; \
	VMULSD     X10, X11, X11;          \
	VADDSD     ·band+32(SB), X11, X11; \
	VMULSD     X10, X11, X11;          \
	VADDSD     ·band+32(SB), X11, X11; \
	VMULSD     (R13)(R11*8), X11, X12; \
	VMULSD     ·band+48(SB), X12, X12; \
	VCMPSD     $1, X12, X6, X12;       \
	VMOVQ      X12, DX;                \
	TESTQ      DX, DX;                 \
	JNZ        ACCEPT;                 \
	VMULSD     X10, X10, X12;          \
	VMULSD     X12, X12, X13;          \
	VMULSD     X12, X13, X13;          \
	VMULSD     ·band+40(SB), X13, X13; \
	VADDSD     X11, X13, X13;          \
	VMULSD     (R13)(R11*8), X13, X13; \
	VMULSD     ·band+56(SB), X13, X13; \
	VCMPSD     $1, X6, X13, X13;       \
	VMOVQ      X13, DX;                \
	TESTQ      DX, DX;                 \
	JZ         BAIL;                   \
REDRAW:                                \
	NEXT(DX, CX);                      \
	MOVQ       DX, R11;                \
	ANDQ       $255, R11;              \
	MOVQ       DX, R12;                \
	SHRQ       $11, R12;               \
	LEAQ       ·zk(SB), R13;           \
	CMPQ       R12, (R13)(R11*8);      \
	JCC        LOOP;                   \
	VCVTSI2SDQ R12, X5, X5;            \
	LEAQ       ·zw(SB), R13;           \
	VMULSD     (R13)(R11*8), X5, X5

// SIGN rounds the x of WEDGE in X5 to float32 and ORs in the sign, bit 8 of
// the word in R10.
#define SIGN \
	VCVTSD2SS X5, X5, X5; \
	VMOVD     X5, R11;    \
	MOVL      R10, R12;   \
	ANDL      $256, R12;  \
	SHLL      $23, R12;   \
	ORL       R12, R11;   \
	VMOVD     R11, X5

// PATCH puts the draw in X5 in word CX of Y7.
#define PATCH \
	VMOVD        CX, X8;                    \
	VPBROADCASTD X8, Y8;                    \
	VPCMPEQD     zigc<>+16(SB), Y8, Y8;     \
	VPBROADCASTD X5, Y6;                    \
	VPBLENDVB    Y8, Y6, Y7, Y7

// SAVE starts a fix: the generators before the step (Y0..Y3) go to st.pre,
// its outputs (Y4) to st.u and i to st.i, and AX gets the rejected words,
// the zero bits of AX.
#define SAVE \
	VMOVDQU Y0, 128(BX); \
	VMOVDQU Y1, 160(BX); \
	VMOVDQU Y2, 192(BX); \
	VMOVDQU Y3, 224(BX); \
	VMOVDQU Y4, 256(BX); \
	MOVQ    CX, 288(BX); \
	NOTL    AX;          \
	ANDL    $255, AX

// STORES puts the generators in st.s.
#define STORES \
	VMOVDQU Y0, 0(BX);  \
	VMOVDQU Y1, 32(BX); \
	VMOVDQU Y2, 64(BX); \
	VMOVDQU Y3, 96(BX)

// RELOAD loads the generators from st.s after the fix stored some of them a
// word at a time, by words: a 32-byte load of them would wait for the
// stores to retire instead of taking their data.
#define RELOAD \
	LOADY(0, X0, Y0);  \
	LOADY(32, X1, Y1); \
	LOADY(64, X2, Y2); \
	LOADY(96, X3, Y3)

#define LOADY(OFF, X, Y) \
	VMOVQ       OFF(BX), X;             \
	VPINSRQ     $1, OFF+8(BX), X, X;    \
	VMOVQ       OFF+16(BX), X5;         \
	VPINSRQ     $1, OFF+24(BX), X5, X5; \
	VINSERTI128 $1, X5, Y, Y

// BAIL stops before the step: the generators go back to where they were
// before it, for the caller to make it.
#define BAIL \
	VMOVDQU 128(BX), Y0; \
	VMOVDQU 160(BX), Y1; \
	VMOVDQU 192(BX), Y2; \
	VMOVDQU 224(BX), Y3; \
	STORES;              \
	MOVQ    $0, 296(BX); \
	VZEROUPPER;          \
	RET

// RESTORE4 loads the registers of zig4AVX2's loop but the generators and i.
#define RESTORE4 \
	MOVQ d0+8(FP), SI;   \
	MOVQ d1+16(FP), DI;  \
	MOVQ d2+24(FP), R8;  \
	MOVQ d3+32(FP), R9;  \
	LEAQ (SI)(CX*4), SI; \
	LEAQ (DI)(CX*4), DI; \
	LEAQ (R8)(CX*4), R8; \
	LEAQ (R9)(CX*4), R9; \
	MOVQ dm+40(FP), R10; \
	MOVQ ds+48(FP), R11; \
	MOVQ n+56(FP), DX;   \
	LEAQ ·zkw32(SB), R12

// RESTORE2 loads the registers of zig2AVX2's loop but the generators and i.
#define RESTORE2 \
	MOVQ da+8(FP), SI;   \
	MOVQ db+16(FP), DI;  \
	LEAQ (SI)(CX*4), SI; \
	LEAQ (DI)(CX*4), DI; \
	MOVQ dm+24(FP), R10; \
	MOVQ ds+32(FP), R11; \
	MOVQ n+40(FP), DX;   \
	LEAQ ·zkw32(SB), R12

// WORD puts the next word of the generator in SI, DI, R8 and R9 in R10 for
// the pair kernel's fix, where AX is 4 times the word's index: a new output
// for an even word, whose high word waits at st.b, or that high word.
#define WORD(HIGH, EVALUATE) \
	TESTL $7, AX;       \
	JNZ   HIGH;         \
	NEXT(R10, R11);     \
	MOVQ  R10, 312(BX); \
	JMP   EVALUATE;     \
HIGH:                   \
	MOVL  316(BX), R10

// func zig4AVX2(st *lanes, d0, d1, d2, d3 *float32, dm, ds uintptr, n, sample int)
TEXT ·zig4AVX2(SB), NOSPLIT, $0-72
	MOVQ st+0(FP), BX
	MOVQ $-1, 296(BX)
	MOVQ 288(BX), CX
	LEAQ 2(CX), AX
	CMPQ AX, n+56(FP)
	JGT  end4
	VMOVDQU 0(BX), Y0
	VMOVDQU 32(BX), Y1
	VMOVDQU 64(BX), Y2
	VMOVDQU 96(BX), Y3
	VPBROADCASTD zigc<>+0(SB), Y15
	RESTORE4

	// A step: the outputs, their eight words' draws as if all were
	// accepted, the fix if some were not, and the generators stepped.
loop4:
	OUTPUT
	WORDS
	CMPL AX, $255
	JNE  fix4
	STEPGEN

	// Write the draws of lane l to i and i+1 of chunk l (mean + std·ε for
	// a sample: a product, then a sum, as in Go).
store4:
	CMPQ        sample+64(FP), $0
	JEQ         put4
	VMOVQ       (SI)(R11*1), X5
	VMOVHPS     (DI)(R11*1), X5, X5
	VMOVQ       (R8)(R11*1), X6
	VMOVHPS     (R9)(R11*1), X6, X6
	VINSERTI128 $1, X6, Y5, Y5
	VMULPS      Y5, Y7, Y7
	VMOVQ       (SI)(R10*1), X5
	VMOVHPS     (DI)(R10*1), X5, X5
	VMOVQ       (R8)(R10*1), X6
	VMOVHPS     (R9)(R10*1), X6, X6
	VINSERTI128 $1, X6, Y5, Y5
	VADDPS      Y5, Y7, Y7

put4:
	VEXTRACTI128 $1, Y7, X8
	VMOVQ        X7, (SI)
	VMOVHPS      X7, (DI)
	VMOVQ        X8, (R8)
	VMOVHPS      X8, (R9)
	ADDQ         $8, SI
	ADDQ         $8, DI
	ADDQ         $8, R8
	ADDQ         $8, R9
	ADDQ         $2, CX
	LEAQ         2(CX), AX
	CMPQ         AX, DX
	JLE          loop4

	STORES
	MOVQ CX, 288(BX)
	VZEROUPPER

end4:
	RET

	// Some words of the step left their layers' rectangles: step the
	// generators, then make those draws, lowest word first, as slow does
	// from the generator of the word's lane, which has just made the
	// output (and the slow path of the low word, if the high word's
	// follows), and patch them into Y7.
fix4:
	SAVE
	STEPGEN
	STORES

word4:
	BSFL AX, CX
	BTRL CX, AX
	MOVQ CX, 312(BX)
	MOVL 256(BX)(CX*4), R10
	SHRL $1, CX
	MOVQ 0(BX)(CX*8), SI
	MOVQ 32(BX)(CX*8), DI
	MOVQ 64(BX)(CX*8), R8
	MOVQ 96(BX)(CX*8), R9
	MOVL R10, R11
	MOVL R10, R12
	SHRL $9, R12
	SHLQ $30, R12          // the 53-bit magnitude: j·2³⁰

wedge4:
	WEDGE(wedge4, redraw4, accept4, bail4)

accept4:
	SIGN
	MOVQ  312(BX), CX
	PATCH
	SHRL  $1, CX
	MOVQ  SI, 0(BX)(CX*8)
	MOVQ  DI, 32(BX)(CX*8)
	MOVQ  R8, 64(BX)(CX*8)
	MOVQ  R9, 96(BX)(CX*8)
	TESTL AX, AX
	JNZ   word4
	RELOAD
	MOVQ  288(BX), CX
	RESTORE4
	JMP   store4

bail4:
	BAIL

// func zig2AVX2(st *lanes, da, db *float32, dm, ds uintptr, n, sample int)
TEXT ·zig2AVX2(SB), NOSPLIT, $0-56
	MOVQ st+0(FP), BX
	MOVQ $-1, 296(BX)
	MOVQ 288(BX), CX
	LEAQ 4(CX), AX
	CMPQ AX, n+40(FP)
	JGT  end2
	VMOVDQU 0(BX), Y0
	VMOVDQU 32(BX), Y1
	VMOVDQU 64(BX), Y2
	VMOVDQU 96(BX), Y3
	VPBROADCASTD zigc<>+0(SB), Y15
	RESTORE2

	// A step: outputs k and k+1 of each stream, their eight words' draws
	// as if all were accepted, the fix if some were not, and the
	// generators stepped twice, to outputs k+2 and k+3.
loop2:
	OUTPUT
	WORDS
	CMPL AX, $255
	JNE  fix2
	STEPGEN
	STEPGEN

	// Draws i..i+3 of stream a are the low 128 bits, of b the high.
store2:
	CMPQ        sample+48(FP), $0
	JEQ         put2
	VMOVUPS     (SI)(R11*1), X5
	VINSERTF128 $1, (DI)(R11*1), Y5, Y5
	VMULPS      Y5, Y7, Y7
	VMOVUPS     (SI)(R10*1), X5
	VINSERTF128 $1, (DI)(R10*1), Y5, Y5
	VADDPS      Y5, Y7, Y7

put2:
	VMOVUPS      X7, (SI)
	VEXTRACTF128 $1, Y7, (DI)
	ADDQ         $16, SI
	ADDQ         $16, DI
	ADDQ         $4, CX
	LEAQ         4(CX), AX
	CMPQ         AX, DX
	JLE          loop2

	STORES
	MOVQ CX, 288(BX)
	VZEROUPPER

end2:
	RET

	// Some words of the step left their layers' rectangles: step the
	// generators, then make the four draws of each stream with such a word
	// again from its generator at output k (lane 0 or 2 before the step),
	// as fill32 does, patch them into Y7, and put the generator and the
	// generator one output on in the stream's two lanes. AX is 16 times
	// the stream's index, 4 times the word's.
fix2:
	SAVE
	MOVQ AX, 304(BX)
	XORL AX, AX
	STEPGEN
	STEPGEN
	STORES

group2:
	MOVQ  304(BX), R11
	MOVL  AX, CX
	SHRL  $2, CX
	SHRQ  CX, R11
	TESTQ $15, R11
	JZ    skip2
	MOVQ  128(BX)(AX*1), SI
	MOVQ  160(BX)(AX*1), DI
	MOVQ  192(BX)(AX*1), R8
	MOVQ  224(BX)(AX*1), R9

word2:
	WORD(high2, eval2)

eval2:
	EVAL(slow2)
	JMP done2

slow2:
	SHLQ $30, R12          // the 53-bit magnitude: j·2³⁰

wedge2:
	WEDGE(wedge2, redraw2, accept2, bail2)

accept2:
	SIGN

done2:
	MOVL  AX, CX
	SHRL  $2, CX
	PATCH
	ADDL  $4, AX
	TESTL $15, AX
	JNZ   word2
	MOVQ  SI, -16(BX)(AX*1)
	MOVQ  DI, 16(BX)(AX*1)
	MOVQ  R8, 48(BX)(AX*1)
	MOVQ  R9, 80(BX)(AX*1)
	NEXT(R10, R11)
	MOVQ  SI, -8(BX)(AX*1)
	MOVQ  DI, 24(BX)(AX*1)
	MOVQ  R8, 56(BX)(AX*1)
	MOVQ  R9, 88(BX)(AX*1)
	JMP   more2

skip2:
	ADDL $16, AX

more2:
	CMPL AX, $32
	JLT  group2
	RELOAD
	MOVQ 288(BX), CX
	RESTORE2
	JMP  store2

bail2:
	BAIL
