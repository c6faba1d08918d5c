1 /* c */ + -- rest
2