package nn

import (
	"math"
	"math/rand/v2"
)

// convChunk is the number of examples whose output gradients a half lays
// out at a time for the weight gradient (they stay in L2 while every block
// of the gradient is summed over them). It depends on nothing else, so the
// sums do not depend on GOMAXPROCS.
const convChunk = 16

// convDirect implements [Conv2D] with stride 1 without unrolling the input
// (im2col): the unrolled matrix is read in place by kernels that take the
// offset of each of its rows (kernels.go).
//
// Each example is copied into a slot of xp, zero-padded to hp×wp per
// channel. In the wide layout an example's output is computed for ho rows
// of wp columns, column oy·wp+ox (the columns ox ≥ wo are padding); row
// p = (c, ki, kj) of the unrolled input is then the contiguous run of the
// slot from off[p] = c·hp·wp + ki·wp + kj. After the image the slot holds
// a row of ones, whose product with the output gradient is the bias
// gradient.
//
//   - The forward pass takes tiles of tileCols output columns of one output
//     row and tileRows channels (tileKern), or, when Out is a multiple of
//     tileCols (tr), of 5 or 6 output pixels and tileCols channels
//     (tileTKern), each summed over the ckk rows of the unrolled input in
//     order, in blocks of kcBlock like package gemm: the outputs have the
//     bits of gemm's product with the unrolled input.
//   - The input gradient forms the product Wᵀδ (the gradient of the
//     unrolled input, dcols) with tileKern, the output gradient δ laid out
//     wide (dyw, zero in the padding columns), then sums it back into the
//     input (col2im) as a gather (gatherKern): each input value is the sum
//     over (ki, kj) in order, as col2im adds them, so the input gradient
//     has the bits of the im2col layer's too.
//   - The weight and bias gradient is summed by wdotKern in eight lanes per
//     value over the wide columns and the examples, each half of the batch
//     in its own accumulators; the two are added lane by lane and the
//     lanes summed in a fixed order (hsum). With tr it is summed by
//     tileTKern over the output pixels (no padding columns) and the
//     examples in order, each half into its own sums, which are then added.
//
// The halves of the batch are fixed, and each sum is over a fixed set in a
// fixed order, so the results do not depend on GOMAXPROCS. A max-pooling
// layer after this one runs example by example inside this layer's halves
// (chainPool).
type convDirect[F Float] struct {
	cin, h, w, cout, k, pad int
	hp, wp, plane           int // the padded input: hp×wp per channel
	ho, wo, hw              int
	ckk, inSize, outSize    int
	tiles                   int     // tiles per output row: ⌈wo/tileCols⌉
	xs                      int     // wide columns per example: ho·wp rounded up to whole tiles
	onesOff, xstr           int     // offset of the row of ones in a slot, and the slot's length
	offMax                  int     // the largest offset of a row of the unrolled input
	off                     []int32 // offsets of the rows of the unrolled input, then the row of ones, padded to whole column blocks
	br, bc                  int     // block of wdotKern: output channels × rows of the unrolled input
	cp, nrb, npb            int     // cout rounded up to br; row blocks, column blocks
	margin, ld              int     // dcols: zero margin before each row, and row length
	gd                      []int32 // gather offsets of one channel's rows of dcols: t·ld + margin − (ki·wp + kj)
	dyoff                   []int32 // offsets of the rows of a wide output gradient: co·xs

	xp     []F    // batch slots of xstr: the padded inputs and the rows of ones
	tr     bool   // the forward pass takes transposed tiles (tileTKern): Out a multiple of tileCols, ckk ≤ kcBlock
	wpack  []F    // W in panels of tileRows channels, [panel][p][tileRows], or (tr) of tileCols channels, [panel][p][tileCols]
	tmp    [2][]F // per half: the scratch of tileTKern
	wtpack []F    // Wᵀ in panels of tileRows rows of the unrolled input, [panel][co][tileRows]
	y, dx  []F    //
	dyw    [2][]F // per half: the wide output gradients of a chunk, convChunk × cp × xs
	acc    [2][]F // per half: accumulators of every block, nrb × npb × br·bc·lanes
	accS   [2][]F // per half: one example's accumulators (the squared gradients)
	gn     [2][]F // per half: one example's weight and bias gradient, cout×(ckk+1)
	sq     [2][]F // per half: Σ of its examples' squared gradients
	dcols  [2][]F // per half: one example's dcols, ckk rows of ld
	dxp    [2][]F // per half: one channel of one padded input gradient

	// With tr the weight and bias gradient is summed by tileTKern over the
	// pixels (not the wide columns): block i of rows of the unrolled input
	// (kernel positions kj0 … of one channel and kernel row, or the row of
	// ones) starts at offset tblk[i].base of a slot, and the output
	// gradient is laid out pixel by pixel (dT).
	tw    int     // pixels per transposed tile of the forward pass
	pofft []int32 // offsets of the output pixels of convChunk slots: n·xstr + oy·wp + ox
	tblk  []tblock
	dT    [2][]F // per half: output gradients of a chunk, [panel of tileCols channels][example][pixel][tileCols]
	gacc  [2][]F // per half: Σ of its examples' weight and bias gradients, cout × (ckk+1)

	pool *maxPool[F] // the max-pooling layer whose halves run after this layer's (see chainPool)
	run  runner
	// the call being run by part
	back  bool
	p, dy []F
	batch int
	ps    pass[F]
}

// tblock is a block of rows of the unrolled input for tileTKern: rows
// p0 … p0+rows−1 (p0 = ckk: the row of ones), starting at offset base of a
// slot, consecutive.
type tblock struct{ base, p0, rows int }

// newConvDirect returns the direct implementation of l (stride 1), or nil
// when its offsets would not fit the int32 offsets of the kernels.
func newConvDirect[F Float](l Conv2D, in, out Shape) *convDirect[F] {
	c := &convDirect[F]{cin: in.C, h: in.H, w: in.W, cout: l.Out, k: l.Size, pad: l.Pad, ho: out.H, wo: out.W}
	c.hp, c.wp = c.h+2*c.pad, c.w+2*c.pad
	c.plane = c.hp * c.wp
	c.hw = c.ho * c.wo
	c.ckk = c.cin * c.k * c.k
	c.inSize, c.outSize = in.Size(), out.Size()
	c.tiles = (c.wo + tileCols - 1) / tileCols
	c.xs = roundUp(c.ho*c.wp, tileCols)
	c.tr = c.cout%tileCols == 0 && c.ckk <= kcBlock
	c.tw = tileRows
	if (c.wo+4)/5*5 < (c.wo+5)/6*6 {
		c.tw = 5
	}
	c.offMax = (c.cin-1)*c.plane + (c.k-1)*(c.wp+1)
	// The forward pass reads up to a whole tile (tileKern) or tileRows
	// values (tileTKern) past the last output column, the weight gradient
	// xs values (wdotKern) or tileRows values past the last output pixel
	// (tileTKern) from each offset.
	c.onesOff = roundUp(max(c.xs, (c.ho-1)*c.wp+max(c.tiles*tileCols, roundUp(c.wo, c.tw))+tileRows)+c.offMax, lanes)
	c.xstr = c.onesOff + c.xs + lanes
	c.margin = roundUp((c.k-1)*(c.wp+1), lanes)
	c.ld = padLd[F](c.margin + max(c.xs, c.gatherLen()))
	if !fitsInt32(c.xstr, convChunk+1) || !fitsInt32(c.ld, c.k*c.k+1) || !fitsInt32(c.xs, c.cout+6) {
		return nil
	}
	if c.tr {
		c.pofft = make([]int32, 0, convChunk*c.hw)
		for n := range convChunk {
			for oy := range c.ho {
				for ox := range c.wo {
					c.pofft = append(c.pofft, int32(n*c.xstr+oy*c.wp+ox))
				}
			}
		}
		for ch := range c.cin {
			for ki := range c.k {
				for kj := 0; kj < c.k; kj += tileRows {
					p0 := (ch*c.k+ki)*c.k + kj
					c.tblk = append(c.tblk, tblock{base: ch*c.plane + ki*c.wp + kj, p0: p0, rows: min(tileRows, c.k-kj)})
				}
			}
		}
		c.tblk = append(c.tblk, tblock{base: c.onesOff, p0: c.ckk, rows: 1})
	}
	c.br, c.bc = 4, 3
	if c.cout%4 != 0 {
		c.br, c.bc = 6, 2
	}
	c.cp = roundUp(c.cout, c.br)
	c.nrb, c.npb = c.cp/c.br, (c.ckk+1+c.bc-1)/c.bc
	c.off = make([]int32, c.npb*c.bc)
	for ch := range c.cin {
		for ki := range c.k {
			for kj := range c.k {
				c.off[(ch*c.k+ki)*c.k+kj] = int32(ch*c.plane + ki*c.wp + kj)
			}
		}
	}
	for p := c.ckk; p < len(c.off); p++ {
		c.off[p] = int32(c.onesOff)
	}
	kk := c.k * c.k
	c.gd = make([]int32, kk)
	for ki := range c.k {
		for kj := range c.k {
			t := ki*c.k + kj
			c.gd[t] = int32(t*c.ld + c.margin - (ki*c.wp + kj))
		}
	}
	c.dyoff = make([]int32, c.cout)
	for co := range c.dyoff {
		c.dyoff[co] = int32(co * c.xs)
	}
	c.wpack = make([]F, max(roundUp(c.cout, tileRows), roundUp(c.cout, tileCols))*c.ckk) // whole panels of either width
	c.wtpack = make([]F, roundUp(c.ckk, tileRows)*c.cout)
	c.run = newRunner()
	return c
}

// gatherLen is the number of values of a padded channel that gatherKern
// writes: the plane rounded up to whole vectors.
func (l *convDirect[F]) gatherLen() int { return roundUp(l.plane, lanes) }

func roundUp(n, to int) int { return (n + to - 1) / to * to }

// fitsInt32 reports whether a and b are ≥ 0 and a·b ≤ MaxInt32 (for b > 0,
// a ≤ ⌊MaxInt32/b⌋ exactly when a·b ≤ MaxInt32).
func fitsInt32(a, b int) bool { return a >= 0 && b >= 0 && (b == 0 || a <= math.MaxInt32/b) }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (l *convDirect[F]) blocks() []block { return []block{{"W", l.cout * l.ckk}, {"b", l.cout}} }

func (l *convDirect[F]) reserve(batch int) {
	// The padding of the slots is zero in a new buffer and never written.
	l.xp = grow(l.xp, batch*l.xstr)
	for n := range batch {
		fill(l.xp[n*l.xstr+l.onesOff:(n+1)*l.xstr], 1)
	}
	l.y = grow(l.y, batch*l.outSize)
	l.dx = grow(l.dx, batch*l.inSize)
	blk := l.br * l.bc * lanes
	for h := range 2 {
		l.dyw[h] = grow(l.dyw[h], min(convChunk, batch)*l.cp*l.xs)
		l.acc[h] = grow(l.acc[h], l.nrb*l.npb*blk)
		l.accS[h] = grow(l.accS[h], l.nrb*l.npb*blk)
		l.gn[h] = grow(l.gn[h], l.cout*(l.ckk+1))
		l.sq[h] = grow(l.sq[h], l.cout*(l.ckk+1))
		l.dcols[h] = grow(l.dcols[h], l.ckk*l.ld)
		l.dxp[h] = grow(l.dxp[h], l.gatherLen())
		l.tmp[h] = grow(l.tmp[h], tileRows*tileCols)
		if l.tr {
			l.dT[h] = grow(l.dT[h], convChunk*l.hw*l.cout)
			l.gacc[h] = grow(l.gacc[h], l.cout*(l.ckk+1))
		}
	}
}

func (l *convDirect[F]) forward(p, x []F, batch int, _ bool) []F {
	if l.tr {
		// Pack W into panels of tileCols output channels.
		for co := range l.cout {
			dst := l.wpack[co/tileCols*tileCols*l.ckk+co%tileCols:]
			for t, v := range p[co*l.ckk : (co+1)*l.ckk] {
				dst[t*tileCols] = v
			}
		}
	}
	// Pack W into panels of tileRows output channels.
	for co := range l.cout * btoi(!l.tr) {
		pan, r := co/tileRows, co%tileRows
		dst := l.wpack[pan*tileRows*l.ckk:]
		for t, v := range p[co*l.ckk : (co+1)*l.ckk] {
			dst[t*tileRows+r] = v
		}
	}
	l.back, l.p, l.dy, l.batch = false, p, x, batch
	if l.pool != nil {
		l.pool.op, l.pool.x, l.pool.batch = opForward, l.y[:batch*l.outSize], batch
	}
	l.run.run(l)
	l.p, l.dy = nil, nil
	return l.y[:batch*l.outSize]
}

func (l *convDirect[F]) backward(p, dy []F, batch int, ps pass[F]) []F {
	if ps.needDx {
		// Pack Wᵀ into panels of tileRows rows of the unrolled input.
		for co := range l.cout {
			for t, v := range p[co*l.ckk : (co+1)*l.ckk] {
				l.wtpack[(t/tileRows*l.cout+co)*tileRows+t%tileRows] = v
			}
		}
	}
	l.back, l.p, l.dy, l.batch, l.ps = true, p, dy, batch, ps
	l.run.run(l)
	l.p, l.dy = nil, nil
	if l.pool != nil {
		l.pool.dy = nil
	}
	nw := l.cout * l.ckk
	if ps.grad != nil && l.tr {
		r := l.ckk + 1
		g0, g1 := l.gacc[0][:l.cout*r], l.gacc[1][:l.cout*r]
		for co := range l.cout {
			for j := range l.ckk {
				ps.grad[co*l.ckk+j] = ps.scale * (g0[co*r+j] + g1[co*r+j])
			}
			ps.grad[nw+co] = ps.scale * (g0[co*r+l.ckk] + g1[co*r+l.ckk])
		}
	} else if ps.grad != nil {
		blk := l.br * l.bc * lanes
		var t [lanes]F
		for rb := range l.nrb {
			for pb := range l.npb {
				a0 := l.acc[0][(rb*l.npb+pb)*blk:][:blk]
				a1 := l.acc[1][(rb*l.npb+pb)*blk:][:blk]
				for r := range l.br {
					co := rb*l.br + r
					if co >= l.cout {
						break
					}
					for q := range l.bc {
						pp := pb*l.bc + q
						if pp > l.ckk {
							break
						}
						s0, s1 := a0[(r*l.bc+q)*lanes:][:lanes], a1[(r*l.bc+q)*lanes:][:lanes]
						for i := range t {
							t[i] = s0[i] + s1[i]
						}
						g := ps.scale * hsum(t[:])
						if pp < l.ckk {
							ps.grad[co*l.ckk+pp] = g
						} else {
							ps.grad[nw+co] = g
						}
					}
				}
			}
		}
	}
	if ps.sq != nil {
		r := l.ckk + 1
		s0, s1 := l.sq[0][:l.cout*r], l.sq[1][:l.cout*r]
		for co := range l.cout {
			for j := range l.ckk {
				i := co*r + j
				ps.sq[co*l.ckk+j] += ps.scale * (s0[i] + s1[i])
			}
			i := co*r + l.ckk
			ps.sq[nw+co] += ps.scale * (s0[i] + s1[i])
		}
	}
	if !ps.needDx {
		return nil
	}
	return l.dx[:batch*l.inSize]
}

func (l *convDirect[F]) part(h int) {
	if l.back {
		l.backwardPart(h)
		return
	}
	l.forwardPart(h)
}

// poolWide reports whether the chained pooling writes the output gradient
// straight into the wide layout (dyw): with its kernel, when every
// channel's wide rows follow one another (xs = ho·wp) and the weight
// gradient reads the wide layout (not tr).
func (l *convDirect[F]) poolWide() bool {
	return l.pool != nil && l.pool.kernelBack() && !l.tr && l.xs == l.ho*l.wp
}

// forwardPart copies the examples of half h into their slots and computes
// their outputs.
func (l *convDirect[F]) forwardPart(h int) {
	lo, hi := halves(l.batch, h)
	x := l.dy
	nw := l.cout * l.ckk
	bias := l.p[nw:]
	for n := lo; n < hi; n++ {
		slot := l.xp[n*l.xstr : n*l.xstr+l.cin*l.plane]
		xn := x[n*l.inSize : (n+1)*l.inSize]
		if l.pad == 0 {
			copy(slot, xn)
		} else {
			for ch := range l.cin {
				spreadKern(l.h, l.w, xn[ch*l.h*l.w:], l.w, slot[ch*l.plane+l.pad*l.wp+l.pad:], l.wp, 0)
			}
		}
		yn := l.y[n*l.outSize : (n+1)*l.outSize]
		if l.tr {
			for co0 := 0; co0 < l.cout; co0 += tileCols {
				pan := l.wpack[co0*l.ckk:]
				for oy := range l.ho {
					for ox := 0; ox < l.wo; ox += l.tw {
						tileTKern(l.ckk, pan, l.xp[n*l.xstr+oy*l.wp+ox:], l.off[:l.ckk], l.offMax,
							yn[co0*l.hw+oy*l.wo+ox:], l.hw, bias[co0:], tileBias, l.tmp[h], min(l.tw, l.wo-ox))
					}
				}
			}
			if l.pool != nil {
				l.pool.forwardExample(n)
			}
			continue
		}
		for co0 := 0; co0 < l.cout; co0 += tileRows {
			rows := min(tileRows, l.cout-co0)
			pan := l.wpack[co0*l.ckk:]
			for t0 := 0; t0 < l.ckk; t0 += kcBlock {
				kk := min(kcBlock, l.ckk-t0)
				mode := blockMode(t0, tileBias)
				for oy := range l.ho {
					tileKern(kk, pan[t0*tileRows:], l.xp[n*l.xstr+oy*l.wp:], l.off[t0:t0+kk], l.offMax,
						yn[co0*l.hw+oy*l.wo:], l.hw, bias[co0:], mode, l.tiles, l.wo-(l.tiles-1)*tileCols, rows)
				}
			}
		}
		if l.pool != nil {
			l.pool.forwardExample(n)
		}
	}
}

// backwardPart computes, for the examples of half h, a chunk at a time:
// their wide output gradients, their squared per-example gradients when
// wanted, their sum of the weight and bias gradients into the half's
// accumulators, and their input gradients.
func (l *convDirect[F]) backwardPart(h int) {
	lo, hi := halves(l.batch, h)
	ps := l.ps
	blk := l.br * l.bc * lanes
	kv := l.xs / lanes
	astr := l.cp * l.xs
	if ps.grad != nil {
		clear(l.acc[h])
		if l.tr {
			clear(l.gacc[h])
		}
	}
	if ps.sq != nil {
		clear(l.sq[h])
	}
	for n0 := lo; n0 < hi; n0 += convChunk {
		n1 := min(hi, n0+convChunk)
		dyw := l.dyw[h]
		for n := n0; n < n1; n++ {
			dw := dyw[(n-n0)*astr:]
			if l.pool != nil {
				// The chained pooling's gradient of example n, this
				// layer's output gradient: into the wide layout, or dy.
				if l.poolWide() {
					outs := l.pool.outS.Size()
					p := l.pool
					p.pool2ReLUBack(dw, l.wp, p.dy[n*outs:(n+1)*outs], p.y[n*outs:(n+1)*outs], p.idx[n*outs:(n+1)*outs])
					continue
				}
				l.pool.backwardExample(n)
			}
			if !ps.needDx && l.tr {
				continue
			}
			dyn := l.dy[n*l.outSize : (n+1)*l.outSize]
			for co := range l.cout {
				row := dw[co*l.xs : (co+1)*l.xs]
				spreadKern(l.ho, l.wo, dyn[co*l.hw:], l.wo, row, l.wp, l.wp-l.wo)
				clear(row[l.ho*l.wp:])
			}
		}
		if l.tr && (ps.grad != nil || ps.sq != nil) {
			l.weightsT(h, n0, n1)
		} else if ps.sq != nil {
			r := l.ckk + 1
			gn, sq := l.gn[h][:l.cout*r], l.sq[h][:l.cout*r]
			for n := n0; n < n1; n++ {
				acc := l.accS[h]
				clear(acc)
				l.wdot(acc, dyw[(n-n0)*astr:], n, n+1, kv, astr)
				for rb := range l.nrb {
					for pb := range l.npb {
						a := acc[(rb*l.npb+pb)*blk:]
						for rr := range l.br {
							co := rb*l.br + rr
							for q := range l.bc {
								if pp := pb*l.bc + q; co < l.cout && pp <= l.ckk {
									gn[co*r+pp] = hsum(a[(rr*l.bc+q)*lanes:])
								}
							}
						}
					}
				}
				for i, v := range gn {
					sq[i] += v * v
				}
			}
		}
		if ps.grad != nil && !l.tr {
			l.wdot(l.acc[h], dyw, n0, n1, kv, astr)
		}
		if ps.needDx {
			for n := n0; n < n1; n++ {
				l.inputGrad(h, dyw[(n-n0)*astr:], l.dx[n*l.inSize:(n+1)*l.inSize])
			}
		}
	}
}

// weightsT adds the weight and bias gradients of examples n0 … n1−1 (of
// half h) to the half's sums (gacc), and their squares to its sq, by
// tileTKern: their output gradients are laid out pixel by pixel, then each
// block of rows of the unrolled input is summed over every pixel of the
// chunk (of each example for the squares).
func (l *convDirect[F]) weightsT(h, n0, n1 int) {
	ps := l.ps
	pstr := convChunk * l.hw * tileCols // one panel of dT
	dT := l.dT[h]
	for n := n0; n < n1; n++ {
		dyn := l.dy[n*l.outSize : (n+1)*l.outSize]
		for co0 := 0; co0 < l.cout; co0 += tileCols {
			src := dyn[co0*l.hw : (co0+tileCols)*l.hw]
			d := dT[co0/tileCols*pstr+(n-n0)*l.hw*tileCols:][:l.hw*tileCols]
			for pix := range l.hw {
				row := d[pix*tileCols : (pix+1)*tileCols]
				s := src[pix:]
				for j := range row {
					row[j] = s[j*l.hw]
				}
			}
		}
	}
	r := l.ckk + 1
	lastPix := (l.ho-1)*l.wp + l.wo - 1
	tmp := l.tmp[h]
	if ps.grad != nil {
		k := (n1 - n0) * l.hw
		for co0 := 0; co0 < l.cout; co0 += tileCols {
			a := dT[co0/tileCols*pstr:]
			for _, b := range l.tblk {
				tileTKern(k, a, l.xp[n0*l.xstr+b.base:], l.pofft[:k], (n1-n0-1)*l.xstr+lastPix,
					l.gacc[h][co0*r+b.p0:], r, nil, tileAdd, tmp, b.rows)
			}
		}
	}
	if ps.sq != nil {
		gn, sq := l.gn[h][:l.cout*r], l.sq[h][:l.cout*r]
		for n := n0; n < n1; n++ {
			for co0 := 0; co0 < l.cout; co0 += tileCols {
				a := dT[co0/tileCols*pstr+(n-n0)*l.hw*tileCols:]
				for _, b := range l.tblk {
					tileTKern(l.hw, a, l.xp[n*l.xstr+b.base:], l.pofft[:l.hw], lastPix,
						gn[co0*r+b.p0:], r, nil, tileStore, tmp, b.rows)
				}
			}
			for i, v := range gn {
				sq[i] += v * v
			}
		}
	}
}

// wdot adds to acc every block of the weight and bias gradient of examples
// n0 … n1−1, whose wide output gradients start at dyw (stride astr).
func (l *convDirect[F]) wdot(acc, dyw []F, n0, n1, kv, astr int) {
	blk := l.br * l.bc * lanes
	xp := l.xp[n0*l.xstr:]
	for pb := range l.npb {
		o := l.off[pb*l.bc:]
		for rb := range l.nrb {
			wdotKern(l.br, l.bc, n1-n0, kv, dyw[rb*l.br*l.xs:], l.xs, astr, xp, o, l.xstr, acc[(rb*l.npb+pb)*blk:])
		}
	}
}

// inputGrad writes one example's input gradient dx from its wide output
// gradient dw: dcols = Wᵀδ, then the gather, channel by channel.
func (l *convDirect[F]) inputGrad(h int, dw, dx []F) {
	dcols := l.dcols[h]
	for p0 := 0; p0 < l.ckk; p0 += tileRows {
		rows := min(tileRows, l.ckk-p0)
		pan := l.wtpack[p0*l.cout:]
		for c0 := 0; c0 < l.cout; c0 += kcBlock {
			kk := min(kcBlock, l.cout-c0)
			mode := blockMode(c0, tileStore)
			tileKern(kk, pan[c0*tileRows:], dw[c0*l.xs:], l.dyoff[:kk], (kk-1)*l.xs, dcols[p0*l.ld+l.margin:], l.ld, nil, mode, l.xs/tileCols, tileCols, rows)
		}
	}
	kk := l.k * l.k
	dxp := l.dxp[h]
	nv := l.gatherLen() / lanes
	for ch := range l.cin {
		gatherKern(nv, dxp, dcols[ch*kk*l.ld:], l.gd)
		if l.pad == 0 {
			copy(dx[ch*l.plane:(ch+1)*l.plane], dxp)
			continue
		}
		spreadKern(l.h, l.w, dxp[l.pad*l.wp+l.pad:], l.wp, dx[ch*l.h*l.w:], l.w, 0)
	}
}

// initParams draws W from U(−√(6/fan_in), √(6/fan_in)) with fan_in =
// Cin·K·K and sets the biases to zero.
func (l *convDirect[F]) initParams(p []F, rnd *rand.Rand) {
	s := math.Sqrt(6 / float64(l.ckk))
	for i := range l.cout * l.ckk {
		p[i] = F(s * (2*rnd.Float64() - 1))
	}
	clear(p[l.cout*l.ckk:])
}

// blockMode is the tile mode of the block of a sum blocked by kcBlock that
// starts at t0: first (write, with the bias or without) for the first block,
// tileAdd (add to what is there) for the others.
func blockMode(t0, first int) int {
	if t0 == 0 {
		return first
	}
	return tileAdd
}
