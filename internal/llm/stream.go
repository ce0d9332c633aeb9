package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
)

// Decoder is one attempt's decoded event stream; adapters write one per
// protocol. Next returns io.EOF after the last event. A complete stream
// ends with an EventStop; a stream that ends without one was cut off.
type Decoder interface {
	Next() (Event, error)
	Close() error
}

// OpenFunc starts one attempt of a call: it sends the request and returns
// the decoder of the response, or the request's error (an *Error when the
// provider answered or could not be reached).
type OpenFunc func(ctx context.Context) (Decoder, error)

// Stream is a call in progress. Read it with Next/Event/Err, or range over
// Events; Response is the assembled answer once the stream has ended
// without error. A Stream is used by one goroutine. Cancelling the context
// given to Provider.Stream stops it promptly with an error that
// errors.Is(err, context.Canceled).
type Stream struct {
	ctx      context.Context
	provider ProviderName
	model    string
	policy   RetryPolicy
	open     OpenFunc

	dec       Decoder
	attempt   int // retries used so far
	delivered bool
	ev        Event
	err       error
	done      bool
	asm       assembler
	resp      *Response
}

// NewStream opens a call with open, retrying retryable failures under
// policy, and returns the stream. Adapters call it from Provider.Stream.
func NewStream(ctx context.Context, provider ProviderName, model string, policy RetryPolicy, open OpenFunc) (*Stream, error) {
	s := &Stream{ctx: ctx, provider: provider, model: model, policy: policy, open: open}
	s.asm.model = model
	if err := s.connect(nil); err != nil {
		return nil, err
	}
	return s, nil
}

// connect opens an attempt, retrying while the failure allows it. prev is
// the error that ended the previous attempt, if any.
func (s *Stream) connect(prev error) error {
	for {
		if prev != nil {
			wait, ok := s.policy.delay(prev, s.attempt)
			if !ok {
				return prev
			}
			s.attempt++
			if s.policy.OnRetry != nil {
				s.policy.OnRetry(prev, s.attempt, wait)
			}
			if err := s.policy.wait(s.ctx, wait); err != nil {
				return s.canceled(err)
			}
		}
		dec, err := s.open(s.ctx)
		if err == nil {
			s.dec = dec
			return nil
		}
		if s.ctx.Err() != nil {
			return s.canceled(s.ctx.Err())
		}
		prev = err
	}
}

func (s *Stream) canceled(err error) error {
	return fmt.Errorf("%s %s: call stopped: %w", s.provider, s.model, err)
}

// Next advances to the next event and reports whether there is one.
func (s *Stream) Next() bool {
	if s.done {
		return false
	}
	for {
		ev, err := s.dec.Next()
		if err == nil {
			s.ev = ev
			s.delivered = true
			s.asm.add(ev)
			return true
		}
		if s.ctx.Err() != nil {
			return s.finish(s.canceled(s.ctx.Err()))
		}
		if errors.Is(err, io.EOF) {
			if !s.asm.sawStop {
				err = &Error{Kind: KindStream, Provider: s.provider, Model: s.model,
					Message: "the response stream ended before the model finished",
					Hint:    "the connection was cut; try again"}
			} else {
				s.resp = s.asm.response()
				return s.finish(nil)
			}
		}
		if s.delivered {
			return s.finish(err)
		}
		// Nothing reached the caller yet, so the call may be tried again.
		_ = s.dec.Close()
		if cerr := s.connect(err); cerr != nil {
			return s.finish(cerr)
		}
	}
}

func (s *Stream) finish(err error) bool {
	s.err = err
	s.done = true
	_ = s.dec.Close()
	return false
}

// Event returns the event Next moved to.
func (s *Stream) Event() Event { return s.ev }

// Err returns the error that ended the stream, or nil.
func (s *Stream) Err() error { return s.err }

// Response returns the assembled answer once the stream has ended without
// error, and nil before that.
func (s *Stream) Response() *Response { return s.resp }

// Close stops the stream and releases its connection. It is safe to call
// more than once and after the stream has ended.
func (s *Stream) Close() error {
	if !s.done {
		s.done = true
		if s.err == nil {
			s.err = errors.New("stream closed")
		}
		return s.dec.Close()
	}
	return nil
}

// Events ranges over the stream's events. A failure is yielded once, as
// the error half, and ends the range; breaking out of the loop closes the
// stream.
func (s *Stream) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for s.Next() {
			if !yield(s.ev, nil) {
				_ = s.Close()
				return
			}
		}
		if s.err != nil {
			yield(Event{}, s.err)
		}
	}
}

// Collect reads the rest of the stream and returns the assembled response.
func (s *Stream) Collect() (*Response, error) {
	for s.Next() {
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.resp, nil
}

// Complete runs one call to the end and returns the assembled response.
func Complete(ctx context.Context, p Provider, req Request) (*Response, error) {
	s, err := p.Stream(ctx, req)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Collect()
}
