package cache

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Key names a cached value of type T and says what it depends on (its tags). Every read and write of the
// cache goes through a Key, so that the compiler checks that a key's values and its loader have one type; and
// the key's entry is named with its type too, so that two keys spelled alike but declared with two types are
// two entries, never a value of the wrong type. Declare a key once, next to the read that uses it (NewKey), or
// a family of keys (NewKeys) for values read by a parameter (a page by its slug).
type Key[T any] struct {
	id   string // the entry's name: the key's name and T's
	tags Tag
}

// NewKey declares the key name, for values of type T that depend on tags.
func NewKey[T any](name string, tags Tag) Key[T] {
	return Key[T]{id: name + typeSuffix[T](), tags: tags}
}

// Keys is a family of keys of type T with one prefix and the same tags: a value per parameter (Of).
type Keys[T any] struct {
	prefix, suffix string
	tags           Tag
}

// NewKeys declares the family of keys prefix+parameter, for values of type T that depend on tags.
func NewKeys[T any](prefix string, tags Tag) Keys[T] {
	return Keys[T]{prefix: prefix, suffix: typeSuffix[T](), tags: tags}
}

// Of is the family's key for the parameter param.
func (ks Keys[T]) Of(param string) Key[T] {
	return Key[T]{id: ks.prefix + param + ks.suffix, tags: ks.tags}
}

// Of3 is Of(a + b + c) with one allocation instead of two (for the keys read on every request).
func (ks Keys[T]) Of3(a, b, c string) Key[T] {
	return Key[T]{id: ks.prefix + a + b + c + ks.suffix, tags: ks.tags}
}

// typeSuffix ends the entry names of values of type T.
func typeSuffix[T any]() string {
	return "\x00" + reflect.TypeFor[T]().String()
}

// FoldText is the form of a user-typed text (a search) under which its cached values are kept: lower case,
// without accents, ligatures spelled out (œ → oe, æ → ae, ß → ss), spaces collapsed, so that "Œuvre  DONNÉES"
// and "oeuvre données" are one entry (LoadVariant keeps what differs between them).
func FoldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch r {
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'æ', 'Æ':
			b.WriteString("ae")
		case 'ß', 'ẞ':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// MaxVariants is how many spellings of one folded key (LoadVariant) are kept: the most recently used ones.
const MaxVariants = 4

// variants are the values of one folded key, one per spelling, most recently stored first.
type variants struct {
	items []variantItem
	size  int
}

type variantItem struct {
	variant string
	val     any
}

func (v variants) Size() int { return v.size }

// LoadVariant is Load for a value whose key was folded from what a user typed (FoldText): the entry under k
// holds at most MaxVariants values, one per exact spelling (variant), so that the spellings of one query take
// one entry of the cache, never many, while each spelling gets exactly its own value.
func LoadVariant[T any](c *Cache, k Key[T], variant string, owner int64, fn func() (T, error)) (T, error) {
	if set, ok := lookup[variants](c, k.id); ok {
		for _, it := range set.items {
			if it.variant == variant {
				if t, ok := it.val.(T); ok {
					return t, nil
				}
			}
		}
	}
	snap := c.Begin()
	if !snap.on {
		return fn()
	}
	// One computation per spelling at a time, per generation (as Load).
	fv, err, shared := c.flight.Do(strconv.FormatUint(snap.gen, 36)+"/"+strconv.FormatUint(snap.ownerGen, 36)+"/"+k.id+"\x00"+variant, func() (any, error) {
		v, err := fn()
		if err == nil {
			storeVariant(c, k, variant, owner, snap, v)
		}
		return v, err
	})
	if err != nil && shared && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fn()
	}
	v, _ := fv.(T)
	return v, err
}

// storeVariant adds v, the value of one spelling, to the entry under k.
func storeVariant[T any](c *Cache, k Key[T], variant string, owner int64, snap Snapshot, v T) {
	size := DefaultSize
	if sz, ok := any(v).(Sizer); ok {
		size = sz.Size()
	}
	next := variants{items: []variantItem{{variant, v}}, size: size}
	if set, ok := lookup[variants](c, k.id); ok {
		for _, it := range set.items {
			if it.variant == variant || len(next.items) == MaxVariants {
				continue
			}
			next.items = append(next.items, it)
			if sz, ok := it.val.(Sizer); ok {
				next.size += sz.Size()
			} else {
				next.size += DefaultSize
			}
		}
	}
	store(c, k.id, k.tags, owner, snap, next)
}
