package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Expr is a parsed derived-metric formula: numbers and metric names combined with + - * / and
// parentheses.
type Expr interface{ expr() }

// Num is a numeric constant in a formula.
type Num float64

// Ref is a reference to a metric in a formula.
type Ref string

// Binary is an arithmetic operation in a formula. Op is one of + - * /.
type Binary struct {
	Op   byte
	L, R Expr
}

// Neg is a unary minus in a formula.
type Neg struct{ X Expr }

func (Num) expr()     {}
func (Ref) expr()     {}
func (*Binary) expr() {}
func (*Neg) expr()    {}

// ParseFormula parses a derived-metric formula such as "gmv - cost" or "(a + b) / 2".
func ParseFormula(s string) (Expr, error) {
	p := &formulaParser{src: s}
	p.next()
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.tok != "" {
		return nil, fmt.Errorf("formula %q: unexpected %q at column %d", s, p.tok, p.at+1)
	}
	return e, nil
}

// Refs returns the metric names e refers to, in order of first appearance.
func Refs(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case Ref:
			if !seen[string(e)] {
				seen[string(e)] = true
				out = append(out, string(e))
			}
		case *Binary:
			walk(e.L)
			walk(e.R)
		case *Neg:
			walk(e.X)
		}
	}
	walk(e)
	return out
}

type formulaParser struct {
	src string
	pos int    // next byte to scan
	tok string // current token; "" at the end
	at  int    // offset of tok
}

func (p *formulaParser) next() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	p.at = p.pos
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	c := rune(p.src[p.pos])
	switch {
	case strings.ContainsRune("+-*/()", c):
		p.pos++
	case unicode.IsDigit(c) || c == '.':
		for p.pos < len(p.src) && (unicode.IsDigit(rune(p.src[p.pos])) || p.src[p.pos] == '.') {
			p.pos++
		}
	case unicode.IsLetter(c) || c == '_':
		for p.pos < len(p.src) {
			r := rune(p.src[p.pos])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
				break
			}
			p.pos++
		}
	default:
		p.pos++
	}
	p.tok = p.src[p.at:p.pos]
}

func (p *formulaParser) sum() (Expr, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for p.tok == "+" || p.tok == "-" {
		op := p.tok[0]
		p.next()
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
	return l, nil
}

func (p *formulaParser) product() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.tok == "*" || p.tok == "/" {
		op := p.tok[0]
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
	return l, nil
}

func (p *formulaParser) unary() (Expr, error) {
	if p.tok == "-" {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Neg{X: x}, nil
	}
	return p.primary()
}

func (p *formulaParser) primary() (Expr, error) {
	tok, at := p.tok, p.at
	switch {
	case tok == "":
		return nil, fmt.Errorf("formula %q: unexpected end", p.src)
	case tok == "(":
		p.next()
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, fmt.Errorf("formula %q: missing ) at column %d", p.src, p.at+1)
		}
		p.next()
		return e, nil
	case unicode.IsDigit(rune(tok[0])) || tok[0] == '.':
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("formula %q: bad number %q at column %d", p.src, tok, at+1)
		}
		p.next()
		return Num(v), nil
	case unicode.IsLetter(rune(tok[0])) || tok[0] == '_':
		p.next()
		return Ref(tok), nil
	}
	return nil, fmt.Errorf("formula %q: unexpected %q at column %d", p.src, tok, at+1)
}
