package answer

import (
	"context"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/nlq"
)

// Planner reads a question with an LLM when the rule reading is unsure. *llm.Planner
// implements it.
type Planner interface {
	Plan(ctx context.Context, c *catalog.Catalog, question string, nc nlq.Context, rule nlq.Result) (nlq.Result, error)
}

// Planned is an Answerer that hands the questions its rule parser is unsure of to an LLM
// planner. With a nil P or Need it answers exactly like the Answerer. It is safe for concurrent
// use when P is.
type Planned struct {
	*Answerer
	// P reads the questions Need selects; nil means no LLM is configured.
	P Planner
	// Need reports whether a rule reading should go to P (llm.NeedsLLM).
	Need func(nlq.Result) bool
}

// Answer reads the question with the rules, asks the planner when Need says so, and answers
// the planner's reading (with Path "llm"), or the rule reading when the planner fails, which is
// logged.
func (p *Planned) Answer(ctx context.Context, question string, nc nlq.Context) *Answer {
	if _, ok := whyQuestion(question); ok && p.opts.Alerts != nil {
		return p.Answerer.Answer(ctx, question, nc)
	}
	res := p.Parse(ctx, question, nc)
	used := false
	if p.P != nil && p.Need != nil && p.Need(res) {
		planned, err := p.P.Plan(ctx, p.eng.Catalog(), question, nc, res)
		if err != nil {
			p.log.Warn("llm planner failed; answering with the rule reading", "err", err, "rule_kind", res.Kind)
		} else {
			res, used = planned, true
		}
	}
	ans := p.FromParse(ctx, res)
	if used {
		ans.Path = "llm"
	}
	return ans
}
