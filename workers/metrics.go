package workers

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the workers' Prometheus series. A nil *metrics records
// nothing, so tests and tools need not register anything.
type metrics struct {
	jobs       *prometheus.CounterVec   // kind, outcome
	retries    *prometheus.CounterVec   // kind
	deadJobs   *prometheus.CounterVec   // kind
	jobSeconds *prometheus.HistogramVec // kind
	stage      *prometheus.HistogramVec // stage
	pages      *prometheus.CounterVec   // outcome: done, blank, review, exception
	confidence prometheus.Histogram
	results    prometheus.Counter
	events     *prometheus.CounterVec // sink, outcome
	depth      *prometheus.GaugeVec   // kind
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		jobs:       counterVec("sohoa_jobs_total", "Job attempts finished, by kind and outcome (ok, error).", "kind", "outcome"),
		retries:    counterVec("sohoa_job_retries_total", "Jobs put back for a later attempt, by kind.", "kind"),
		deadJobs:   counterVec("sohoa_jobs_dead_total", "Jobs that failed for good, by kind.", "kind"),
		jobSeconds: histogramVec("sohoa_job_duration_seconds", "Time of one job attempt, by kind.", prometheus.ExponentialBuckets(0.05, 2, 14), "kind"),
		stage: histogramVec("sohoa_stage_duration_seconds", "Time of one processing stage (fetch, ocr, store, assemble, sign, upload, link, index).",
			prometheus.ExponentialBuckets(0.005, 2.5, 12), "stage"),
		pages: counterVec("sohoa_pages_total", "Pages processed, by outcome (done, exception).", "outcome"),
		confidence: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sohoa_ocr_confidence", Help: "Mean OCR word confidence per non-blank page (0-100).",
			Buckets: prometheus.LinearBuckets(10, 10, 9),
		}),
		results: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_results_total", Help: "Signed PDFs stored and linked to their dossier.",
		}),
		events: counterVec("sohoa_events_total", "Event deliveries, by sink (amqp, webhook) and outcome.", "sink", "outcome"),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sohoa_queue_depth", Help: "Jobs waiting in the queue, by kind.",
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.jobs, m.retries, m.deadJobs, m.jobSeconds, m.stage, m.pages, m.confidence, m.results, m.events, m.depth} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// counterVec is a counter series by labels.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// histogramVec is a histogram series by labels.
func histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
}

func (m *metrics) observeJob(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.jobs.WithLabelValues(kind, outcomeOf(err)).Inc()
	m.jobSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

func (m *metrics) retried(kind string) {
	if m != nil {
		m.retries.WithLabelValues(kind).Inc()
	}
}

func (m *metrics) dead(kind string) {
	if m != nil {
		m.deadJobs.WithLabelValues(kind).Inc()
	}
}

// since records the time of a stage begun at start.
func (m *metrics) since(stage string, start time.Time) {
	if m != nil {
		m.stage.WithLabelValues(stage).Observe(time.Since(start).Seconds())
	}
}

func (m *metrics) page(outcome string, confidence float64, blank bool) {
	if m == nil {
		return
	}
	m.pages.WithLabelValues(outcome).Inc()
	if outcome == "done" && !blank {
		m.confidence.Observe(confidence)
	}
}

func (m *metrics) result() {
	if m != nil {
		m.results.Inc()
	}
}

func (m *metrics) event(sink string, err error) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(sink, outcomeOf(err)).Inc()
}

// outcomeOf is the outcome label of a job or a delivery that ended with err.
func outcomeOf(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// watchDepth samples the queue depth of kinds every interval until ctx is done.
func (m *metrics) watchDepth(ctx context.Context, q Queue, kinds []string, every time.Duration) {
	if m == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, k := range kinds {
			if n, err := q.Depth(ctx, k); err == nil {
				m.depth.WithLabelValues(k).Set(float64(n))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
