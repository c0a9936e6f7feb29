INNER_VALUE = "inner-value-99"
