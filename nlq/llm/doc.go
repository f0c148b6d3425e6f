// Package llm talks to OpenAI-compatible APIs (OpenAI, Azure OpenAI, DeepSeek, Qwen, Ollama,
// vLLM and the like) through go-openai: embeddings for retrieval (Embedder) and the LLM planner
// (Planner).
//
// # The planner
//
// The rule parser in nlq answers the everyday questions; the planner is asked only when NeedsLLM
// says the rule reading is unsure (it refused or asked, its confidence is low, or words were left
// unexplained), and never when no LLM is configured. It sends the question, today's date and
// time zone, the conversation's previous query and a short list of candidates (metrics,
// dimensions and dimension values) chosen by retrieval, with up to three verified examples. The
// model must answer through the one tool plan_query, whose JSON Schema enumerates exactly those
// candidates, either with a governed query or with a clarifying question offering metrics. The
// reply is checked against the candidates and validated like any other query; the problems are
// sent back once for a repair, and if the second reply fails too the planner asks the user,
// offering the rule's readings or the closest candidates. The prompts live in the prompts
// package.
//
// No warehouse rows are ever sent: the planner has no access to the warehouse. The LLM never
// writes SQL; it only names catalog entries and values that are bound as parameters.
//
// Failures are classified (CallError: ErrTimeout, ErrRateLimited, ErrServer, ErrUnreachable,
// ErrAuth, ErrRejected). Rate limits, server errors and unreachable endpoints are retried once
// after Retry-After or a short backoff, within the caller's context; a call that times out is not
// retried, because the person asking is waiting. When Plan returns an error the caller keeps the
// rule reading.
//
// # Configuration
//
// The command line reads the planner's settings from the environment:
//
//	METRICBOT_LLM_BASE_URL   the API root, e.g. http://127.0.0.1:11434/v1 (required to enable it)
//	METRICBOT_LLM_MODEL      the model name (required)
//	METRICBOT_LLM_API_KEY    the bearer token, if the server needs one; never logged
//
// With no base URL the planner is off and every question is read by the rules alone.
package llm
