package infer

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Vocabulary options for BagOfWords.
type Vocabulary struct {
	// MinLen drops words shorter than this many letters (default 3).
	MinLen int
	// MinDocs keeps words that occur in at least this many documents
	// (default 1).
	MinDocs int
	// MaxDocFrac drops words that occur in more than this fraction of the
	// documents (default 1: keep all).
	MaxDocFrac float64
	// MaxTokens truncates each text to its first MaxTokens words (0: no
	// limit).
	MaxTokens int
	// Stop is a set of words to drop (lower case).
	Stop map[string]bool
}

// BagOfWords turns texts into documents for LDA: it lower-cases, splits on
// anything that is not a letter, drops short and stop words, keeps the words
// whose document frequency passes the options, and returns the documents
// (word ids sorted) and the vocabulary (ids in alphabetical order). A text
// left with no word gives an empty document.
func BagOfWords(texts []string, opt Vocabulary) ([]Document, []string, error) {
	if len(texts) == 0 {
		return nil, nil, inputErr("len(texts)", 0, "no texts")
	}
	if opt.MinLen <= 0 {
		opt.MinLen = 3
	}
	if opt.MinDocs <= 0 {
		opt.MinDocs = 1
	}
	if opt.MaxDocFrac <= 0 {
		opt.MaxDocFrac = 1
	}
	if opt.MaxDocFrac > 1 || opt.MaxTokens < 0 {
		return nil, nil, inputErr("MaxDocFrac, MaxTokens", fmt.Sprintf("%g, %d", opt.MaxDocFrac, opt.MaxTokens), "want a fraction in (0, 1] and a count ≥ 0")
	}
	tokens := make([][]string, len(texts))
	df := map[string]int{}
	for i, t := range texts {
		words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) })
		seen := map[string]bool{}
		for _, w := range words {
			if len([]rune(w)) < opt.MinLen || opt.Stop[w] {
				continue
			}
			if opt.MaxTokens > 0 && len(tokens[i]) >= opt.MaxTokens {
				break
			}
			tokens[i] = append(tokens[i], w)
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	maxDocs := int(opt.MaxDocFrac * float64(len(texts)))
	var vocab []string
	for w, n := range df {
		if n >= opt.MinDocs && n <= maxDocs {
			vocab = append(vocab, w)
		}
	}
	if len(vocab) == 0 {
		return nil, nil, inputErr("vocabulary", 0, "no word passes the options")
	}
	sort.Strings(vocab)
	id := make(map[string]int, len(vocab))
	for i, w := range vocab {
		id[w] = i
	}
	docs := make([]Document, len(texts))
	for i, ws := range tokens {
		counts := map[int]float64{}
		for _, w := range ws {
			if j, ok := id[w]; ok {
				counts[j]++
			}
		}
		for j := range counts {
			docs[i].Words = append(docs[i].Words, j)
		}
		sort.Ints(docs[i].Words)
		for _, j := range docs[i].Words {
			docs[i].Counts = append(docs[i].Counts, counts[j])
		}
	}
	return docs, vocab, nil
}

// EnglishStop is a short list of English function words and licence
// boilerplate-neutral fillers, for BagOfWords.
var EnglishStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for with that this are was were been have has had not but from
		any all can may you your our its his her their them they there these those which who whom what when where
		will would shall should could into onto than then also such other each only same some more most very upon
		out over under about above after before between both does did doing done per via use used using within
		without whether while because being itself here how why one two three must unless made make see http https www
		org com net html txt file files`) {
		m[w] = true
	}
	return m
}()
