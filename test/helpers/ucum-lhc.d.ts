declare module '@lhncbc/ucum-lhc' {
  const ucum: {
    UcumLhcUtils: { getInstance(): { validateUnitString(unit: string): { status: string } } };
  };
  export default ucum;
}
