"""List-valued case fields (circumstances, substances, victim tags...) as flat Arrow arrays.

Whole-store passes (blocking, rarity counts) flatten these columns at every link run; pandas'
``explode`` took over a second per column at a million cases, Arrow's list kernels a tenth of
that. Lists that hold anything but strings (never a store's columns) go through ``explode``, with
each value written by ``str``, so both paths give the same result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def flatten(column: pd.Series) -> tuple[np.ndarray, Any]:
    """(row, value) of every non-missing value in a column of lists, in row order: row positions
    (int64, 0-based) and the values as an Arrow string array. Missing lists and missing values
    are skipped; empty strings are kept.

    Example:
        >>> import pandas as pd
        >>> rows, values = flatten(pd.Series([["a", None], None, ["b", "a"]]))
        >>> rows.tolist(), values.to_pylist()
        ([0, 2, 2], ['a', 'b', 'a'])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(column.to_numpy(dtype=object), type=pa.list_(pa.string()), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        flat = column.reset_index(drop=True).explode().dropna()
        return flat.index.to_numpy(np.int64), pa.array(flat.map(str).to_numpy(dtype=object), type=pa.string())
    rows, values = pc.list_parent_indices(arr), pc.list_flatten(arr)
    known = pc.is_valid(values)
    return rows.filter(known).to_numpy().astype(np.int64), values.filter(known)
