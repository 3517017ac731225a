package engine

// The BaseSums of new links whose base is one of their records, hashed
// beside the reconciling. A first cycle of a million contacts a side makes
// a million new links, each with the sum of its record's clean values (a
// SHA-256: about a third of a second of a core in all), and Reconcile is
// one goroutine, what the reconciling phase of a first cycle waits for.
// Reconcile writes what a sum hashes (appendSumValue of each value, read
// while they are in the cache) into a batch; a goroutine of its own hashes
// a batch at a time into the links' BaseSums, and Reconcile waits for them
// (wait) before anything reads a new link's BaseSum or moves its link
// (finish). A cycle that makes fewer links than a batch (the usual later
// cycle) starts no goroutine: its sums are hashed when Reconcile waits.

// sumJob is a link whose BaseSum is the hash of its batch's input from the
// end of the job before to end.
type sumJob struct {
	sum *BaseSum
	end int32
}

// sumBatch is the input of up to sumBatchSize sums, one after another.
type sumBatch struct {
	jobs  []sumJob
	input []byte
}

// sumBatchSize is the number of links of a batch of sums, and sumQueued
// the batches that wait for the goroutine at most.
const (
	sumBatchSize = 1024
	sumQueued    = 8
)

// recordSums hashes batches of sums: on a goroutine of its own once a
// first batch is full, and the rest when the reconciler waits (wait).
type recordSums struct {
	batch *sumBatch      // the batch being filled
	work  chan *sumBatch // the batches to hash; nil before the goroutine
	free  chan *sumBatch // the batches hashed, to be filled again
	done  chan struct{}  // closed when the goroutine has hashed its last
}

// input returns the input of the batch being filled: the caller appends
// what a link's sum hashes (appendSumValue of each value) and passes it
// to later.
func (s *recordSums) input() []byte {
	if s.batch == nil {
		s.batch = &sumBatch{jobs: make([]sumJob, 0, sumBatchSize), input: make([]byte, 0, sumBatchSize*192)}
	}
	return s.batch.input
}

// later makes *sum the hash of what was appended to input since the last
// link's, in, before wait returns. Nothing reads *sum before then.
func (s *recordSums) later(sum *BaseSum, in []byte) {
	b := s.batch
	b.input = in
	b.jobs = append(b.jobs, sumJob{sum, int32(len(in))})
	if len(b.jobs) < sumBatchSize {
		return
	}
	if s.work == nil {
		s.work = make(chan *sumBatch, sumQueued)
		s.free = make(chan *sumBatch, sumQueued+1)
		s.done = make(chan struct{})
		go func() {
			defer close(s.done)
			for b := range s.work {
				b.hash()
				s.free <- b // never blocks: there are at most sumQueued+1 batches besides the one filled
			}
		}()
	}
	select {
	case s.work <- b:
		select {
		case s.batch = <-s.free:
		default:
			s.batch = nil // input makes another
			return
		}
	default:
		// The goroutine is that far behind (its core busy with other
		// work): the batch is hashed here, and the batches held stay few.
		b.hash()
	}
	s.batch.jobs, s.batch.input = s.batch.jobs[:0], s.batch.input[:0]
}

// wait returns once every sum asked for (later) is made: the batches the
// goroutine has not taken yet are hashed here, beside it.
func (s *recordSums) wait() {
	if s.batch != nil {
		s.batch.hash()
		s.batch = nil
	}
	if s.work == nil {
		return
	}
	close(s.work)
	for b := range s.work {
		b.hash()
	}
	<-s.done
	s.work, s.free, s.done = nil, nil, nil
}

// hash sets each job's sum.
func (b *sumBatch) hash() {
	var s sumBuilder
	start := int32(0)
	for _, j := range b.jobs {
		s.buf = b.input[start:j.end]
		*j.sum = s.sum()
		start = j.end
	}
}
