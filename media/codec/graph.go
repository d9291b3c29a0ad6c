package codec

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
)

// graph is an FFmpeg filter graph with at most one buffer source and one
// sink, the way the engine uses libavfilter: audio conversion and the test
// pattern's generators.
type graph struct {
	res  closer
	g    *astiav.FilterGraph
	src  *astiav.FilterContext // nil for a graph that generates its own input
	sink *astiav.FilterContext
}

// newGraph builds desc between an optional source (srcFilter "buffer" or
// "abuffer" with srcArgs; "" for none) and a sink ("buffersink" or
// "abuffersink").
func newGraph(desc, srcFilter string, srcArgs astiav.FilterArgs, sinkFilter string) (*graph, error) {
	g := &graph{g: astiav.AllocFilterGraph()}
	if g.g == nil {
		return nil, errors.New("cannot allocate a filter graph")
	}
	g.res.add(g.g.Free) // frees the filter contexts too
	g.g.SetThreadCount(1)
	fail := func(what string, err error) (*graph, error) {
		g.close()
		return nil, fmt.Errorf("filter graph %q: %s: %w", desc, what, err)
	}
	sinkF := astiav.FindFilterByName(sinkFilter)
	if sinkF == nil {
		return fail("find "+sinkFilter, errors.New("not in this FFmpeg"))
	}
	var err error
	if g.sink, err = g.g.NewFilterContext(sinkF, "out", nil); err != nil {
		return fail("sink", err)
	}
	inputs := astiav.AllocFilterInOut()
	defer inputs.Free()
	inputs.SetName("out")
	inputs.SetFilterContext(g.sink)
	inputs.SetPadIdx(0)
	inputs.SetNext(nil)

	var outputs *astiav.FilterInOut
	if srcFilter != "" {
		srcF := astiav.FindFilterByName(srcFilter)
		if srcF == nil {
			return fail("find "+srcFilter, errors.New("not in this FFmpeg"))
		}
		if g.src, err = g.g.NewFilterContext(srcF, "in", srcArgs); err != nil {
			return fail("source", err)
		}
		outputs = astiav.AllocFilterInOut()
		defer outputs.Free()
		outputs.SetName("in")
		outputs.SetFilterContext(g.src)
		outputs.SetPadIdx(0)
		outputs.SetNext(nil)
		desc = "[in]" + desc + "[out]"
	} else {
		desc += "[out]"
	}
	if err := g.g.Parse(desc, inputs, outputs); err != nil {
		return fail("parse", err)
	}
	if err := g.g.Configure(); err != nil {
		return fail("configure", err)
	}
	if onGraphConfigured != nil {
		onGraphConfigured(g.g.String())
	}
	return g, nil
}

// push hands a frame to the graph's source.
func (g *graph) push(f *astiav.Frame) error {
	return g.src.BuffersrcAddFrame(f, astiav.NewBuffersrcFlags(astiav.BuffersrcFlagKeepRef))
}

// pull gets the next output frame; isAgain(err) means none is ready.
func (g *graph) pull(f *astiav.Frame) error {
	return g.sink.BuffersinkGetFrame(f, astiav.NewBuffersinkFlags())
}

func (g *graph) close() { g.res.close() }
