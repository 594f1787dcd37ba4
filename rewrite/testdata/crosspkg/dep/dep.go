package dep

import "net/http"

type inner struct{ *http.Client }

// Hidden promotes the methods of http.Client through an unexported field.
type Hidden struct{ inner }

// Exposed embeds the client directly.
type Exposed struct{ *http.Client }

func New() Hidden { return Hidden{inner{new(http.Client)}} }
