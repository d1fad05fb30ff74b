//go:build amd64 && !purego

#include "textflag.h"

// Comparison predicates of VCMPPS.
#define EQ_OQ $0x00
#define GT_OQ $0x1e

// TINYCONSTS broadcasts TinyBits (2⁻¹⁰⁰) into Y13 and the magnitude bits
// into Y14, for FLUSH; it clobbers R13.
#define TINYCONSTS \
	MOVL $0x0D800000, R13; VMOVD R13, X13; VPBROADCASTD X13, Y13; \
	MOVL $0x7fffffff, R13; VMOVD R13, X14; VPBROADCASTD X14, Y14

// FLUSH(y) clears the magnitude bits of the lanes of y below 2⁻¹⁰⁰ in
// magnitude (FlushTiny: a zero of the same sign; zeros stay), with integer
// operations on the bits; Y10 and Y11 are scratch.
#define FLUSH(y) \
	VPAND Y14, y, Y10; VPCMPGTD Y10, Y13, Y11; VPAND Y14, Y11, Y11; VPANDN y, Y11, y

// func adamAVX2(n int, m, gr, h, gbar, sm, sh, sg *float32, c *AdamConsts, flags int) int
//
// Constants at c: 0 δ, 32 α, 64 β₂, 96 ρ, 128 β₁, 160 1−β₁, 192 invB1,
// 224 invB2, 256 ε. flags: 1 decay in the gradient, 2 momentum.
TEXT ·adamAVX2(SB), NOSPLIT, $0-88
	MOVQ n+0(FP), DX
	MOVQ m+8(FP), DI
	MOVQ gr+16(FP), SI
	MOVQ h+24(FP), R8
	MOVQ gbar+32(FP), R9
	MOVQ sm+40(FP), R10
	MOVQ sh+48(FP), R11
	MOVQ sg+56(FP), R12
	MOVQ c+64(FP), CX
	XORQ AX, AX
	VXORPS Y15, Y15, Y15
	TINYCONSTS

adamLoop:
	CMPQ AX, DX
	JGE  adamDone
	VMOVUPS (DI)(AX*4), Y0 // mj
	VMOVUPS (SI)(AX*4), Y1 // gq
	VMULPS  0(CX), Y0, Y2  // dec = δ·mj
	TESTQ   $1, flags+72(FP)
	JZ      adamDecoupled
	VADDPS  Y2, Y1, Y3     // ĝ = gq + dec
	VMOVAPS Y0, Y4         // m′ = mj
	JMP     adamH

adamDecoupled:
	VMOVAPS Y1, Y3        // ĝ = gq
	VMULPS  32(CX), Y2, Y4 // α·dec
	VSUBPS  Y4, Y0, Y4    // m′ = mj − α·dec

adamH:
	VSUBPS  Y1, Y1, Y1     // check = gq−gq
	VMULPS  Y3, Y3, Y2     // ĥ = ĝ·ĝ
	VSUBPS  Y2, Y2, Y5
	VADDPS  Y5, Y1, Y1     // + (ĥ−ĥ)
	VMOVUPS (R8)(AX*4), Y5 // hj
	VMULPS  64(CX), Y5, Y6 // β₂·hj
	VMULPS  96(CX), Y2, Y2 // ρ·ĥ
	VADDPS  Y2, Y6, Y6     // h′
	VSUBPS  Y6, Y6, Y2
	VADDPS  Y2, Y1, Y1     // + (h′−h′)
	TESTQ   $2, flags+72(FP)
	JZ      adamStep
	VMOVUPS (R9)(AX*4), Y7  // ḡ
	VMULPS  128(CX), Y7, Y8 // β₁·ḡ
	VMULPS  160(CX), Y3, Y3 // (1−β₁)·ĝ
	VADDPS  Y3, Y8, Y3      // ḡ′
	VSUBPS  Y3, Y3, Y2
	VADDPS  Y2, Y1, Y1      // + (ḡ′−ḡ′)

adamStep:
	VMULPS  192(CX), Y3, Y8 // num = ḡ′·invB1
	VMULPS  224(CX), Y6, Y9 // h′·invB2
	VSQRTPS Y9, Y9
	VADDPS  256(CX), Y9, Y9 // den = √(h′·invB2) + ε
	VDIVPS  Y9, Y8, Y8      // num/den
	VMULPS  32(CX), Y8, Y8  // α·num/den
	VSUBPS  Y8, Y4, Y4      // m′
	VSUBPS  Y4, Y4, Y2
	VADDPS  Y2, Y1, Y1      // + (m′−m′)
	VCMPPS  EQ_OQ, Y15, Y1, Y1
	VCMPPS  GT_OQ, Y15, Y9, Y9
	VANDPS  Y9, Y1, Y1
	VMOVMSKPS Y1, R13
	CMPL    R13, $0xff
	JNE     adamDone
	FLUSH(Y4)
	FLUSH(Y6)
	VMOVUPS Y0, (R10)(AX*4) // sm = m
	VMOVUPS Y4, (DI)(AX*4)  // m = m′
	VMOVUPS Y5, (R11)(AX*4) // sh = h
	VMOVUPS Y6, (R8)(AX*4)  // h = h′
	TESTQ   $2, flags+72(FP)
	JZ      adamNext
	FLUSH(Y3)
	VMOVUPS Y7, (R12)(AX*4) // sg = ḡ
	VMOVUPS Y3, (R9)(AX*4)  // ḡ = ḡ′

adamNext:
	ADDQ $8, AX
	JMP  adamLoop

adamDone:
	VZEROUPPER
	MOVQ AX, ret+80(FP)
	RET

// func ivonAVX2(n int, m, gr, u, h, gbar, sm, sh, sg *float32, c *IVONConsts, flags int) int
//
// Constants at c: 0 δ, 32 ρ, 64 ½, 96 1, 128 β₁, 160 1−β₁, 192 invB1,
// 224 ε, 256 clip, 288 −clip, 320 α. flags: 2 momentum.
TEXT ·ivonAVX2(SB), NOSPLIT, $0-96
	MOVQ n+0(FP), DX
	MOVQ m+8(FP), DI
	MOVQ gr+16(FP), SI
	MOVQ u+24(FP), BX
	MOVQ h+32(FP), R8
	MOVQ gbar+40(FP), R9
	MOVQ sm+48(FP), R10
	MOVQ sh+56(FP), R11
	MOVQ sg+64(FP), R12
	MOVQ c+72(FP), CX
	XORQ AX, AX
	VXORPS Y15, Y15, Y15
	TINYCONSTS

ivonLoop:
	CMPQ AX, DX
	JGE  ivonDone
	VMOVUPS (SI)(AX*4), Y1  // g
	VMOVUPS (BX)(AX*4), Y2 // u
	VMULPS  Y1, Y2, Y2      // ĥ = u·g
	VMOVUPS (R8)(AX*4), Y3  // hj
	VADDPS  0(CX), Y3, Y4   // s = hj + δ
	VSUBPS  Y3, Y2, Y2      // ĥ − hj
	VMULPS  32(CX), Y2, Y2  // x = ρ(ĥ−hj)
	VDIVPS  Y4, Y2, Y5      // x/s
	VADDPS  96(CX), Y5, Y5  // 1 + x/s
	VADDPS  Y2, Y4, Y2      // s + x
	VMULPS  Y5, Y2, Y2      // (s+x)(1+x/s)
	VMULPS  64(CX), Y2, Y2  // ½(s+x)(1+x/s)
	VMULPS  64(CX), Y4, Y4  // ½s
	VADDPS  Y2, Y4, Y4      // ½s + ½(s+x)(1+x/s)
	VSUBPS  0(CX), Y4, Y4   // h′ = … − δ
	VMOVUPS (DI)(AX*4), Y0  // mj
	VSUBPS  Y4, Y4, Y10     // check = h′−h′
	TESTQ   $2, flags+80(FP)
	JZ      ivonNoMom
	VMOVUPS (R9)(AX*4), Y6  // ḡ
	VMULPS  128(CX), Y6, Y7 // β₁·ḡ
	VMULPS  160(CX), Y1, Y8 // (1−β₁)·g
	VADDPS  Y8, Y7, Y7      // ḡ′
	VMULPS  192(CX), Y7, Y8 // num = ḡ′·invB1
	VSUBPS  Y7, Y7, Y11
	VADDPS  Y11, Y10, Y10   // + (ḡ′−ḡ′)
	JMP     ivonStep

ivonNoMom:
	VMULPS 192(CX), Y1, Y8 // num = g·invB1

ivonStep:
	VMULPS  0(CX), Y0, Y9   // δ·mj
	VADDPS  Y9, Y8, Y8      // num += δ·mj
	VADDPS  224(CX), Y4, Y9 // den = h′ + ε
	VADDPS  0(CX), Y9, Y9   // den += δ
	VDIVPS  Y9, Y8, Y8      // dir = num/den
	VMOVUPS 256(CX), Y11
	VMINPS  Y8, Y11, Y8     // clip < dir ? clip : dir (a NaN dir stays)
	VMOVUPS 288(CX), Y11
	VMAXPS  Y8, Y11, Y8     // −clip > dir ? −clip : dir
	VMULPS  320(CX), Y8, Y8 // α·dir
	VSUBPS  Y8, Y0, Y8      // m′ = mj − α·dir
	VSUBPS  Y8, Y8, Y11
	VADDPS  Y11, Y10, Y10   // + (m′−m′)
	VCMPPS  EQ_OQ, Y15, Y10, Y10
	VADDPS  0(CX), Y4, Y11  // h′ + δ
	VCMPPS  GT_OQ, Y15, Y11, Y11
	VANDPS  Y11, Y10, Y10
	VMOVMSKPS Y10, R13
	CMPL    R13, $0xff
	JNE     ivonDone
	FLUSH(Y8)
	FLUSH(Y4)
	VMOVUPS Y0, (R10)(AX*4) // sm = m
	VMOVUPS Y8, (DI)(AX*4)  // m = m′
	VMOVUPS Y3, (R11)(AX*4) // sh = h
	VMOVUPS Y4, (R8)(AX*4)  // h = h′
	TESTQ   $2, flags+80(FP)
	JZ      ivonNext
	FLUSH(Y7)
	VMOVUPS Y6, (R12)(AX*4) // sg = ḡ
	VMOVUPS Y7, (R9)(AX*4)  // ḡ = ḡ′

ivonNext:
	ADDQ $8, AX
	JMP  ivonLoop

ivonDone:
	VZEROUPPER
	MOVQ AX, ret+88(FP)
	RET

// func drawAVX2(n int, theta, u, eps, h, m *float32, c *DrawConsts, flags int) int
//
// Constants at c: 0 N/τ, 32 δ. flags: 1 write u.
TEXT ·drawAVX2(SB), NOSPLIT, $0-72
	MOVQ n+0(FP), DX
	MOVQ theta+8(FP), DI
	MOVQ u+16(FP), SI
	MOVQ eps+24(FP), R8
	MOVQ h+32(FP), R9
	MOVQ m+40(FP), R10
	MOVQ c+48(FP), CX
	XORQ AX, AX
	VXORPS Y15, Y15, Y15

drawLoop:
	CMPQ AX, DX
	JGE  drawDone
	VMOVUPS (R9)(AX*4), Y1 // hj
	VADDPS  32(CX), Y1, Y1 // hj + δ
	VMULPS  0(CX), Y1, Y1  // p = N/τ·(hj+δ)
	VSUBPS  Y1, Y1, Y2
	VCMPPS  EQ_OQ, Y15, Y2, Y2
	VCMPPS  GT_OQ, Y15, Y1, Y3
	VANDPS  Y3, Y2, Y2
	VMOVMSKPS Y2, R13
	CMPL    R13, $0xff
	JNE     drawDone
	VSQRTPS Y1, Y1          // r
	VMOVUPS (R8)(AX*4), Y0  // ε
	VDIVPS  Y1, Y0, Y2      // ε/r
	VADDPS  (R10)(AX*4), Y2, Y2 // m + ε/r
	TESTQ   $1, flags+56(FP)
	JZ      drawTheta
	VMULPS  Y1, Y0, Y3      // u = ε·r
	VMOVUPS Y3, (SI)(AX*4)

drawTheta:
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ $8, AX
	JMP  drawLoop

drawDone:
	VZEROUPPER
	MOVQ AX, ret+64(FP)
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET


// func axpyRowsAVX2(n int, dst, m *float32, ld int, idx *int32, val *float32, nt int)
//
// dst[j] += Σ_t val[t]·m[idx[t]·ld + j] for j < n, n a multiple of 8, one
// fused multiply-add per term in the order of t: 64 columns at a time in
// Y0–Y7, then 8 at a time.
TEXT ·axpyRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ m+16(FP), SI
	MOVQ ld+24(FP), DX
	SHLQ $2, DX
	MOVQ idx+32(FP), R8
	MOVQ val+40(FP), R9
	MOVQ nt+48(FP), R10
	SHLQ $2, CX
	XORQ AX, AX

axpy64:
	LEAQ 256(AX), BX
	CMPQ BX, CX
	JGT  axpy8
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	VMOVUPS 128(DI)(AX*1), Y4
	VMOVUPS 160(DI)(AX*1), Y5
	VMOVUPS 192(DI)(AX*1), Y6
	VMOVUPS 224(DI)(AX*1), Y7
	XORQ R11, R11

axpy64t:
	CMPQ R11, R10
	JGE  axpy64s
	MOVLQSX (R8)(R11*4), R12
	IMULQ   DX, R12
	ADDQ    SI, R12
	ADDQ    AX, R12
	VBROADCASTSS (R9)(R11*4), Y8
	VFMADD231PS 0(R12), Y8, Y0
	VFMADD231PS 32(R12), Y8, Y1
	VFMADD231PS 64(R12), Y8, Y2
	VFMADD231PS 96(R12), Y8, Y3
	VFMADD231PS 128(R12), Y8, Y4
	VFMADD231PS 160(R12), Y8, Y5
	VFMADD231PS 192(R12), Y8, Y6
	VFMADD231PS 224(R12), Y8, Y7
	INCQ R11
	JMP  axpy64t

axpy64s:
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	VMOVUPS Y4, 128(DI)(AX*1)
	VMOVUPS Y5, 160(DI)(AX*1)
	VMOVUPS Y6, 192(DI)(AX*1)
	VMOVUPS Y7, 224(DI)(AX*1)
	ADDQ $256, AX
	JMP  axpy64

axpy8:
	LEAQ 32(AX), BX
	CMPQ BX, CX
	JGT  axpyDone
	VMOVUPS (DI)(AX*1), Y0
	XORQ R11, R11

axpy8t:
	CMPQ R11, R10
	JGE  axpy8s
	MOVLQSX (R8)(R11*4), R12
	IMULQ   DX, R12
	ADDQ    SI, R12
	ADDQ    AX, R12
	VBROADCASTSS (R9)(R11*4), Y8
	VFMADD231PS (R12), Y8, Y0
	INCQ R11
	JMP  axpy8t

axpy8s:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP  axpy8

axpyDone:
	VZEROUPPER
	RET

// func flushAVX2(n int, x *float32)
//
// Integer operations on the bits only: a lane whose magnitude bits are
// nonzero and below 0x0D800000 (TinyBits, 2⁻¹⁰⁰) loses them; blocks of eight
// without one are not written.
TEXT ·flushAVX2(SB), NOSPLIT, $0-16
	MOVQ n+0(FP), DX
	MOVQ x+8(FP), DI
	MOVL $0x7fffffff, R8
	VMOVD R8, X14
	VPBROADCASTD X14, Y14 // the magnitude bits
	MOVL $0x0D800000, R9
	VMOVD R9, X13
	VPBROADCASTD X13, Y13 // TinyBits
	VPXOR Y15, Y15, Y15
	XORQ AX, AX

flushLoop:
	CMPQ AX, DX
	JGE  flushDone
	VMOVDQU  (DI)(AX*4), Y0
	VPAND    Y14, Y0, Y1 // |x|
	VPCMPGTD Y1, Y13, Y2 // |x| < 2⁻¹⁰⁰
	VPCMPEQD Y15, Y1, Y3 // |x| = 0
	VPANDN   Y2, Y3, Y2  // tiny: below 2⁻¹⁰⁰ and not zero
	VPTEST   Y2, Y2
	JZ       flushNext
	VPAND    Y14, Y2, Y2
	VPANDN   Y0, Y2, Y0  // keep the sign bit only
	VMOVDQU  Y0, (DI)(AX*4)

flushNext:
	ADDQ $8, AX
	JMP  flushLoop

flushDone:
	VZEROUPPER
	RET
