package importer

import (
	"context"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

// BatchSize is how many tickets one transaction of an import writes: large
// enough to be fast, small enough that a failure loses little and other
// writers are not held up for long.
const BatchSize = 500

// Load writes tickets to the importer in batches, each all or nothing,
// calling progress (when set) after each batch with the tickets done so
// far. A failed batch stops the load; the batches before it stay written,
// and running the import again completes it, since unchanged tickets are
// left alone.
func Load(ctx context.Context, dst itsm.TicketImporter, orgID int64, tickets []itsm.ImportedTicket, batchSize int, progress func(done, total int)) (itsm.ImportResult, error) {
	if batchSize <= 0 {
		batchSize = BatchSize
	}
	var total itsm.ImportResult
	for start := 0; start < len(tickets); start += batchSize {
		end := min(start+batchSize, len(tickets))
		res, err := dst.ImportTickets(ctx, orgID, tickets[start:end])
		if err != nil {
			return total, fmt.Errorf("import tickets %d to %d of %d: %w", start+1, end, len(tickets), err)
		}
		total.Add(res)
		if progress != nil {
			progress(end, len(tickets))
		}
	}
	return total, nil
}
