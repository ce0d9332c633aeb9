// Package tools owns the agent's built-in tools: the Tool interface, the
// Registry the agent calls them through, the path policy (what may be
// read and written where), and the approval gate that asks the user before
// a sensitive call runs. Every failure a model can cause (an unknown tool,
// bad arguments, a refused approval, a failing command) comes back as an
// error Result the model sees; nothing here panics on model input.
//
// The package does not know any LLM provider: the agent converts Specs to
// its own tool definitions.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Tool is one capability offered to the model.
type Tool interface {
	// Name is the identifier the model calls the tool by.
	Name() string
	// Description tells the model what the tool does and when to use it.
	Description() string
	// Parameters is the JSON Schema (an object) of the arguments.
	Parameters() json.RawMessage
	// Run executes one call. An error is turned into an error Result by the
	// Registry, so Run may simply return what went wrong.
	Run(ctx context.Context, args json.RawMessage) (Result, error)
}

// Summarizer is implemented by tools that can describe a call in one line
// for an approval prompt ("rm -rf build" rather than raw JSON).
type Summarizer interface {
	Summary(args json.RawMessage) string
}

// Result is what a tool call gives back to the model.
type Result struct {
	// Content is the text the model reads.
	Content string
	// IsError marks a failed call; the model still reads Content.
	IsError bool
}

// Spec describes a tool to the model.
type Spec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// ArgError is a problem with the arguments the model passed.
type ArgError struct {
	Tool string
	Msg  string
}

func (e *ArgError) Error() string { return "bad arguments for " + e.Tool + ": " + e.Msg }

// decodeArgs decodes a call's JSON arguments into T, rejecting unknown
// fields (they are usually a misspelt parameter) and trailing data. Empty
// or null arguments decode as {}.
func decodeArgs[T any](tool string, raw json.RawMessage, params ...string) (T, error) {
	var v T
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		trimmed = []byte("{}")
	}
	if trimmed[0] != '{' {
		return v, &ArgError{tool, "arguments must be a JSON object with the parameters " + strings.Join(params, ", ")}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, &ArgError{tool, fmt.Sprintf("%v; the parameters are %s", err, strings.Join(params, ", "))}
	}
	if dec.More() {
		return v, &ArgError{tool, "unexpected data after the JSON object"}
	}
	return v, nil
}

// required returns an ArgError when a required string parameter is empty.
func required(tool, name, value string) error {
	if value == "" {
		return &ArgError{tool, name + " is required and must be a non-empty string"}
	}
	return nil
}

// errorResult is the Result of a failed call.
func errorResult(err error) Result {
	var ae *ArgError
	if errors.As(err, &ae) {
		return Result{Content: "Error: " + ae.Error(), IsError: true}
	}
	return Result{Content: "Error: " + err.Error(), IsError: true}
}
