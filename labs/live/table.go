package live

import "fmt"

// Table is a lab's result as a table, for labs whose result is not a
// timeline of replicas (the preemptible CI simulator's).
type Table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	// Notes explain the columns and rows, one paragraph each.
	Notes []string `json:"notes,omitempty"`
	// SVG is a chart of the result, shown under the table.
	SVG string `json:"svg,omitempty"`
}

// ShowTable starts a server on addr whose page shows t as lab's result;
// stop it with [Server.Close].
func ShowTable(addr, lab string, t Table) (*Server, error) {
	for i, row := range t.Rows {
		if len(row) != len(t.Header) {
			return nil, fmt.Errorf("live: table row %d has %d cells for %d columns", i, len(row), len(t.Header))
		}
	}
	s, err := listen(addr, ModeLive)
	if err != nil {
		return nil, err
	}
	s.hub.Publish(Message{Type: TypeLab, Lab: lab, Mode: ModeLive})
	s.EndTable(&t, nil)
	return s, nil
}
