package sla

// Build turns the JSON calendar into a Calendar, naming fields as the JSON
// does ("calendar.week.mon[0]") in validation errors. Service agreements
// store their calendars in this shape.
func (sc SimulationCalendar) Build() (*Calendar, error) { return sc.build() }
