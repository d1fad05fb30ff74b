//go:build windows

package checkpoint

// syncDir does nothing on Windows, where directories cannot be synced; the
// rename (MoveFileEx with MOVEFILE_REPLACE_EXISTING) is still atomic.
func syncDir(string) error { return nil }
