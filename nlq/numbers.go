package nlq

import (
	"strconv"
	"unicode"
)

// cnDigits maps Chinese numeral characters to their values.
var cnDigits = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5,
	'六': 6, '七': 7, '八': 8, '九': 9,
}

// cnUnits maps Chinese numeral unit characters below 万 to their values.
var cnUnits = map[rune]int{'十': 10, '百': 100, '千': 1000}

// enNumbers are the English number words accepted where a small count is expected ("top five").
var enNumbers = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
	"fifty": 50, "hundred": 100,
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// isLatin reports whether r is part of a Latin word (letters and digits).
func isLatin(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || isDigit(r)) }

// isHan reports whether r is a CJK ideograph.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// wordEnd reports whether position i of t is the end of a Latin word: the end of the text or a
// rune that cannot continue a word.
func wordEnd(t []rune, i int) bool { return i >= len(t) || !isLatin(t[i]) }

// wordStart reports whether a Latin word may start at i.
func wordStart(t []rune, i int) bool { return i == 0 || !isLatin(t[i-1]) }

// digits reads a run of ASCII digits at i and returns its value and length.
func digits(t []rune, i int) (int, int) {
	v, n := 0, 0
	for i+n < len(t) && isDigit(t[i+n]) && n < 9 {
		v = v*10 + int(t[i+n]-'0')
		n++
	}
	return v, n
}

// cnInt reads a Chinese numeral below 10,000 at i (三, 十二, 二十五, 一百, 两千零五) and returns its
// value and length in runes.
func cnInt(t []rune, i int) (int, int) {
	total, cur, n := 0, -1, 0
	for i+n < len(t) {
		r := t[i+n]
		if d, ok := cnDigits[r]; ok {
			if cur >= 0 && cur != 0 { // two digits in a row: not a numeral we read
				break
			}
			cur = d
			n++
			continue
		}
		if u, ok := cnUnits[r]; ok {
			if cur < 0 {
				if u != 10 || total != 0 {
					break
				}
				cur = 1 // 十二 = 12
			}
			total += cur * u
			cur = -1
			n++
			continue
		}
		break
	}
	if n == 0 {
		return 0, 0
	}
	if cur > 0 {
		total += cur
	}
	return total, n
}

// integer reads a whole number written in digits, Chinese numerals or (at a word start) an
// English number word.
func integer(t []rune, i int) (int, int) {
	if i >= len(t) {
		return 0, 0
	}
	if v, n := digits(t, i); n > 0 {
		return v, n
	}
	if v, n := cnInt(t, i); n > 0 {
		return v, n
	}
	if wordStart(t, i) {
		j := i
		for j < len(t) && isLatin(t[j]) {
			j++
		}
		if v, ok := enNumbers[string(t[i:j])]; ok {
			return v, j - i
		}
	}
	return 0, 0
}

// amount reads a quantity at i: 100万, 1.5亿, 1,200, 2.5k, 3m, 一百万, 5%, 30 million. It returns the
// value, its length in runes, and whether a scale word or percent sign was part of it.
func amount(t []rune, i int) (float64, int, bool) {
	var v float64
	n := 0
	if i < len(t) && isDigit(t[i]) {
		j := i
		for j < len(t) && (isDigit(t[j]) || (t[j] == ',' && j+3 < len(t)+0 && j+1 < len(t) && isDigit(t[j+1])) || (t[j] == '.' && j+1 < len(t) && isDigit(t[j+1]))) {
			j++
		}
		s := make([]rune, 0, j-i)
		for _, r := range t[i:j] {
			if r != ',' {
				s = append(s, r)
			}
		}
		f, err := strconv.ParseFloat(string(s), 64)
		if err != nil {
			return 0, 0, false
		}
		v, n = f, j-i
	} else if c, m := cnInt(t, i); m > 0 {
		v, n = float64(c), m
	} else {
		return 0, 0, false
	}
	scaled := false
	j := i + n
	// Chinese scales, possibly stacked (百万, 千万).
	for j < len(t) {
		mult := 0.0
		switch t[j] {
		case '万', 'w':
			mult = 1e4
		case '亿':
			mult = 1e8
		case '千':
			mult = 1e3
		case '百':
			mult = 1e2
		}
		if mult == 0 || (t[j] == 'w' && !wordEnd(t, j+1)) {
			break
		}
		v *= mult
		j++
		scaled = true
	}
	if !scaled {
		// English scales: 2.5k, 3m, 1.2bn, 30 million.
		k := j
		if k < len(t) && t[k] == ' ' {
			k++
		}
		e := k
		for e < len(t) && isLatin(t[e]) && !isDigit(t[e]) {
			e++
		}
		word := string(t[k:e])
		mult := map[string]float64{"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
			"b": 1e9, "bn": 1e9, "billion": 1e9}[word]
		if mult != 0 && (k == j || len(word) > 2) {
			v *= mult
			j = e
			scaled = true
		}
	}
	if j < len(t) && (t[j] == '%' || t[j] == '％') {
		v /= 100
		j++
		scaled = true
	}
	return v, j - i, scaled
}
