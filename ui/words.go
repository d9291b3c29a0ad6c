package ui

// nonEmpty returns the first of s that is not empty.
func nonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
