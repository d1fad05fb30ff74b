// Package plot draws blr's figures as PNG files with gonum/plot. It is kept
// apart so that the core packages do not depend on a plotting library.
package plot
